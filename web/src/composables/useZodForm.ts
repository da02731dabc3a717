import { ref } from 'vue';
import type { z } from 'zod';

/**
 * Validates a form model with the same zod schema the API uses, and keeps the first message per field
 * for `n-form-item`'s `feedback`. `validate()` returns the parsed (trimmed, normalized) input or null.
 */
export function useZodForm<S extends z.ZodType<Record<string, unknown>>>(schema: S, model: () => unknown) {
  type Field = keyof z.input<S> & string;
  const errors = ref<Partial<Record<Field, string>>>({});

  function validate(): z.output<S> | null {
    const result = schema.safeParse(model());
    if (result.success) {
      errors.value = {};
      return result.data;
    }
    const next: Partial<Record<Field, string>> = {};
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? '') as Field;
      next[field] ??= issue.message;
    }
    errors.value = next;
    return null;
  }

  function clear(field: Field): void {
    if (errors.value[field]) errors.value = { ...errors.value, [field]: undefined };
  }

  const status = (field: Field): 'error' | undefined => (errors.value[field] ? 'error' : undefined);

  return { errors, validate, clear, status };
}
