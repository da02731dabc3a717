/** What every field component takes from `form.field(name)` (or `v-model:value` plus an error). */
export interface FieldProps {
  value: string;
  error?: string | undefined;
  help?: string | undefined;
}

/** What every field component emits back: the new value, and leaving the field. */
export interface FieldEmits {
  'update:value': [value: string];
  blur: [];
}
