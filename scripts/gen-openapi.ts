import { writeFileSync } from 'node:fs';
import { openApiDocumentPath, openApiJson } from '@spot/functions/openapi';

// Regenerates the checked-in OpenAPI document; a unit test fails while the file is stale.
writeFileSync(new URL(`../${openApiDocumentPath}`, import.meta.url), openApiJson());
console.log(`wrote ${openApiDocumentPath}`);
