import { signInInputSchema } from '@spot/shared';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { accessKeyForm } from '../lib/account-connect-form';
import { serverFieldIssues, useForm } from './useForm';

const validKeys = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  awsAccountId: '',
  region: 'us-east-1',
  name: '',
};

const validationFailure = (issues: { field: string; message: string }[]) =>
  Object.assign(new Error(issues[0]?.message ?? 'Invalid body.'), {
    status: 400,
    code: 'VALIDATION_FAILED',
    details: { issues },
  });

describe('useForm', () => {
  it('shows no mistake before the person does anything', () => {
    const form = useForm(signInInputSchema, { email: '', password: '' });
    expect(form.valid.value).toBe(false);
    expect(form.errors.value).toEqual({});
  });

  it('on-blur: shows a mistake once the changed field is left, and follows the value after that', () => {
    const form = useForm(signInInputSchema, { email: '', password: '' });
    form.input('email', 'ann@');
    expect(form.errors.value.email).toBeUndefined();
    form.blur('email');
    expect(form.errors.value.email).toBeTruthy();
    form.input('email', 'ann@example.com');
    expect(form.errors.value.email).toBeUndefined();
  });

  it('on-blur: leaving a field without changing it shows nothing', () => {
    const form = useForm(signInInputSchema, { email: '', password: '' });
    form.blur('email');
    expect(form.isTouched('email')).toBe(false);
    expect(form.errors.value).toEqual({});
  });

  it('on-input: shows a mistake while typing, only in the changed field', () => {
    const form = useForm(
      accessKeyForm,
      { ...validKeys, accessKeyId: '', secretAccessKey: '' },
      { showErrors: 'on-input' },
    );
    form.input('accessKeyId', 'akia-lower');
    expect(form.errors.value.accessKeyId).toMatch(/^An access key id is 20 capital letters/);
    expect(form.errors.value.secretAccessKey).toBeUndefined();
  });

  it('validate shows every mistake and returns null; on valid input it returns the parsed values', () => {
    const form = useForm(accessKeyForm, { ...validKeys, accessKeyId: '' }, { showErrors: 'on-input' });
    expect(form.validate()).toBeNull();
    expect(Object.keys(form.errors.value)).toEqual(['accessKeyId']);
    form.input('accessKeyId', ' AKIAIOSFODNN7EXAMPLE ');
    form.input('name', '  ');
    expect(form.validate()).toEqual({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: validKeys.secretAccessKey,
      region: 'us-east-1',
    });
  });

  it('tracks dirty fields against the initial values, and reset moves the baseline', () => {
    const form = useForm(z.object({ name: z.string() }), { name: 'Prod' });
    expect(form.isDirty()).toBe(false);
    form.input('name', 'Production');
    expect(form.isDirty('name')).toBe(true);
    expect(form.isEdited('name')).toBe(true);
    form.input('name', 'Prod');
    expect(form.isDirty()).toBe(false);
    form.reset({ name: 'Staging' });
    expect(form.values.name).toBe('Staging');
    expect(form.isDirty()).toBe(false);
    expect(form.isEdited('name')).toBe(false);
  });

  it('puts the API issues that name a field under it, until that field changes', () => {
    const form = useForm(signInInputSchema, { email: 'ann@example.com', password: 'pw' });
    form.setServerErrors(validationFailure([{ field: 'email', message: 'This email is taken.' }]));
    expect(form.errors.value.email).toBe('This email is taken.');
    expect(form.formError.value).toBeNull();
    form.input('email', 'bob@example.com');
    expect(form.errors.value.email).toBeUndefined();
  });

  it('keeps an API error that names no field of the form for the form-level alert', () => {
    const form = useForm(signInInputSchema, { email: 'ann@example.com', password: 'pw' });
    const conflict = Object.assign(new Error('Wrong email or password.'), { status: 401 });
    form.setServerErrors(conflict);
    expect(form.formError.value).toBe(conflict);
    expect(form.errors.value).toEqual({});

    const unknownField = validationFailure([{ field: 'organizationId', message: 'Unknown.' }]);
    form.setServerErrors(unknownField);
    expect(form.formError.value).toBe(unknownField);
  });

  it('handleSubmit runs the action with the parsed input, once at a time, and maps its failure', async () => {
    const form = useForm(signInInputSchema, { email: ' ann@example.com ', password: 'pw' });
    const calls: unknown[] = [];
    let finish: () => void = () => {};
    const submit = form.handleSubmit(async (input) => {
      calls.push(input);
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      throw validationFailure([{ field: 'password', message: 'Too short.' }]);
    });
    const first = submit();
    expect(form.submitting.value).toBe(true);
    await submit();
    finish();
    await first;
    expect(calls).toEqual([{ email: 'ann@example.com', password: 'pw' }]);
    expect(form.submitting.value).toBe(false);
    expect(form.errors.value.password).toBe('Too short.');
  });

  it('handleSubmit does not run the action on invalid input', async () => {
    const form = useForm(signInInputSchema, { email: '', password: '' });
    let ran = false;
    await form.handleSubmit(async () => {
      ran = true;
    })();
    expect(ran).toBe(false);
    expect(form.errors.value.email).toBeTruthy();
  });

  it('field() binds a field component: value, error and listeners', () => {
    const form = useForm(signInInputSchema, { email: '', password: '' });
    const binding = form.field('email');
    binding['onUpdate:value']('x');
    binding.onBlur();
    expect(form.field('email')).toMatchObject({ value: 'x', error: expect.any(String) });
  });
});

describe('serverFieldIssues', () => {
  it('reads details.issues and ignores anything malformed', () => {
    expect(serverFieldIssues(null)).toEqual([]);
    expect(serverFieldIssues(new Error('x'))).toEqual([]);
    expect(serverFieldIssues({ details: { action: 'sts:GetCallerIdentity' } })).toEqual([]);
    expect(
      serverFieldIssues({ details: { issues: [{ field: 'region', message: 'Bad.' }, { field: 1 }, 'x'] } }),
    ).toEqual([{ field: 'region', message: 'Bad.' }]);
  });
});
