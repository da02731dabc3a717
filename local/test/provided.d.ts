// Values the ddb globalSetup (global-setup.ts) hands to the tests through `inject()`.
declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    cognitoEndpoint: string;
    cognitoCode: string;
  }
}

export {};
