import { regionOptions } from '../../lib/aws-regions';

/**
 * Labels and input hints of the AWS account fields, bound beside `form.field(...)` on the generic field
 * components (`<TextField v-bind="{ ...form.field('accessKeyId'), ...accessKeyIdInput }" />`), so every
 * form names and hints these fields the same way without a wrapper component per field.
 */
export const accessKeyIdInput = {
  label: 'Access Key ID',
  placeholder: 'AKIAIOSFODNN7EXAMPLE',
  autocomplete: 'off',
  spellcheck: false,
} as const;

/** For a PasswordField: `new-password` keeps the browser from filling in a saved sign-in password. */
export const secretAccessKeyInput = {
  label: 'Secret Access Key',
  placeholder: '40 characters',
  autocomplete: 'new-password',
} as const;

/** A 12-digit AWS account id; `optional` says so in the label. */
export const awsAccountIdInput = (optional = false) =>
  ({
    label: optional ? 'AWS Account ID (optional)' : 'AWS Account ID',
    placeholder: '123456789012',
    inputmode: 'numeric',
    autocomplete: 'off',
    spellcheck: false,
  }) as const;

/** For a SelectField: a region by name or code, or a code the list lacks. */
export const awsRegionInput = {
  label: 'Region',
  options: regionOptions,
  filterable: true,
  tag: true,
} as const;

/** The name a connected AWS account goes by in the app. */
export const accountNameInput = (optional = false, placeholder = 'e.g. Acme Corp Production') =>
  ({
    label: optional ? 'Account name (optional)' : 'Account name',
    placeholder,
    autocomplete: 'off',
  }) as const;
