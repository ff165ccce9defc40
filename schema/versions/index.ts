/** The application's built-in schema versions; SCHEMA_DIR replaces them with .sql files. */
import type { SchemaVersionSource } from '../version.js';
import { version_1_0_0 } from './v1_0_0.js';
import { version_1_1_0 } from './v1_1_0.js';

export const builtInVersions: readonly SchemaVersionSource[] = [version_1_0_0, version_1_1_0];
