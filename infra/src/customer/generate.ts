import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from '../paths';
import { onboardingTemplatePath, renderOnboardingTemplate } from './render';

writeFileSync(onboardingTemplatePath, renderOnboardingTemplate());
console.log(`Wrote ${relative(repoRoot, onboardingTemplatePath)}`);
