import { createSpotOptimizerApp } from '../src/app';

// Context (stage, feature flags) comes from cdk.json and `-c`; account/region from CDK_DEFAULT_*.
const { app } = createSpotOptimizerApp();
app.synth();
