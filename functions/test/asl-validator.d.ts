declare module 'asl-validator' {
  const aslValidator: (definition: unknown) => {
    isValid: boolean;
    errors: unknown[];
    errorsText: (sep?: string) => string;
  };
  export default aslValidator;
}
