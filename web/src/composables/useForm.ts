import { computed, reactive, ref, shallowRef } from 'vue';
import type { z } from 'zod';

/**
 * When a field's own mistake becomes visible. `on-blur`: once the person has changed the field and left
 * it (sign-in and sign-up, where an email is invalid until the last character is typed). `on-input`: as
 * soon as the field is changed (the connect forms, whose ids and keys have a fixed shape worth checking
 * while typing). Either way every field shows its mistake after a submit, and a shown mistake follows
 * the value live, so it disappears the moment it is fixed.
 */
export type ShowErrors = 'on-blur' | 'on-input';

export interface FormOptions {
  showErrors?: ShowErrors;
}

/** One field's issue as the API reports it: `details.issues` of a 400 `VALIDATION_FAILED` body. */
export interface ServerFieldIssue {
  field: string;
  message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * The field issues an API error carries, if any. The API answers a failed request with
 * `{ message, code, requestId, details }`, where a validation failure's `details.issues` lists
 * `{ field, message }`; anything else (a conflict, a cloud access error) names no field.
 */
export function serverFieldIssues(error: unknown): ServerFieldIssue[] {
  if (!isRecord(error) || !isRecord(error.details) || !Array.isArray(error.details.issues)) return [];
  return error.details.issues.filter(
    (issue): issue is ServerFieldIssue =>
      isRecord(issue) && typeof issue.field === 'string' && typeof issue.message === 'string',
  );
}

/** The first message per top-level field of a failed parse; empty when the model is valid. */
function firstIssuePerField(result: z.ZodSafeParseResult<unknown>): Record<string, string> {
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? '')] ??= issue.message;
  return errors;
}

/**
 * A form model validated by the same zod schema the API uses. It tracks per field whether the person
 * changed it (`edited`), left it after changing it (`touched`) and whether it differs from its initial
 * value (`isDirty`); it shows a field's mistake per `showErrors`, and maps an API error onto the fields
 * it names (`setServerErrors`), leaving the rest for a form-level alert (`formError`).
 *
 * `Values` is the model as the inputs hold it (strings, where the schema may also take `undefined`).
 * Field components bind with `v-bind="form.field('name')"`.
 */
export function useForm<S extends z.ZodType<Record<string, unknown>>, Values extends Record<string, unknown>>(
  schema: S,
  initial: Values,
  options: FormOptions = {},
) {
  type Field = keyof Values & string;
  const showErrors = options.showErrors ?? 'on-blur';

  const values = reactive({ ...initial }) as Values;
  // A ref, so a `reset` to new initial values re-runs what reads `isDirty`.
  const initialValues = shallowRef<Values>({ ...initial });
  const edited = reactive(new Set<string>());
  const touched = reactive(new Set<string>());
  const submitted = ref(false);
  const submitting = ref(false);
  const serverErrors = ref<Partial<Record<Field, string>>>({});
  /** An error for the whole form: a failed request that names none of its fields. */
  const formError = shallowRef<unknown>(null);

  const parsed = computed(() => schema.safeParse({ ...values }));
  const clientErrors = computed(() => firstIssuePerField(parsed.value) as Partial<Record<Field, string>>);
  const valid = computed(() => parsed.value.success);

  const isShown = (name: Field): boolean =>
    submitted.value || touched.has(name) || (showErrors === 'on-input' && edited.has(name));

  /** The message to show under a field now: its own mistake once shown, else what the API said of it. */
  const errors = computed(() => {
    const shown: Partial<Record<Field, string>> = {};
    for (const name of Object.keys(values) as Field[]) {
      const message = (isShown(name) ? clientErrors.value[name] : undefined) ?? serverErrors.value[name];
      if (message) shown[name] = message;
    }
    return shown;
  });

  const isDirty = (name?: Field): boolean =>
    name === undefined
      ? (Object.keys(values) as Field[]).some((key) => values[key] !== initialValues.value[key])
      : values[name] !== initialValues.value[name];

  /** What a field component does on input: set the value, and forget what the API said of the old one. */
  function input<F extends Field>(name: F, value: Values[F]): void {
    values[name] = value;
    edited.add(name);
    if (serverErrors.value[name]) serverErrors.value = { ...serverErrors.value, [name]: undefined };
  }

  // Tabbing through an untouched form should not paint it red: only a changed field counts as touched.
  function blur(name: Field): void {
    if (edited.has(name)) touched.add(name);
  }

  /** Shows every field's mistake; returns the parsed (trimmed, normalized) input, or null when invalid. */
  function validate(): z.output<S> | null {
    submitted.value = true;
    const result = parsed.value;
    return result.success ? result.data : null;
  }

  /** Puts the API's field issues under the fields of this form; the error is the form's otherwise. */
  function setServerErrors(error: unknown): void {
    const next: Partial<Record<Field, string>> = {};
    let unplaced = false;
    for (const issue of serverFieldIssues(error)) {
      if (issue.field in values) next[issue.field as Field] ??= issue.message;
      else unplaced = true;
    }
    serverErrors.value = next;
    formError.value = unplaced || Object.keys(next).length === 0 ? error : null;
  }

  /**
   * A submit handler: validates, then runs `action` with the parsed input once at a time, with
   * `submitting` set for the button's loading state; a failure goes to `setServerErrors`.
   */
  function handleSubmit(action: (input: z.output<S>) => Promise<void>): () => Promise<void> {
    return async () => {
      const input = validate();
      if (!input || submitting.value) return;
      submitting.value = true;
      formError.value = null;
      serverErrors.value = {};
      try {
        await action(input);
      } catch (error) {
        setServerErrors(error);
      } finally {
        submitting.value = false;
      }
    };
  }

  /** Starts over from `next` (or the current initial values): nothing edited, touched or failed. */
  function reset(next: Partial<Values> = {}): void {
    initialValues.value = { ...initialValues.value, ...next };
    Object.assign(values, initialValues.value);
    edited.clear();
    touched.clear();
    submitted.value = false;
    serverErrors.value = {};
    formError.value = null;
  }

  /** Props and listeners for a field component: `v-bind="form.field('email')"`. */
  function field<F extends Field>(name: F) {
    return {
      value: values[name],
      error: errors.value[name],
      'onUpdate:value': (value: Values[F]) => input(name, value),
      onBlur: () => blur(name),
    };
  }

  return {
    values,
    errors,
    valid,
    submitted,
    submitting,
    formError,
    isDirty,
    isEdited: (name: Field) => edited.has(name),
    isTouched: (name: Field) => touched.has(name),
    input,
    blur,
    validate,
    setServerErrors,
    handleSubmit,
    reset,
    field,
  };
}
