/**
 * openapi.yaml as a test oracle: every response body is validated against the schema the document
 * gives for that operation and status (Ajv in JSON Schema 2020-12 mode, the dialect of OpenAPI 3.1,
 * with formats such as email and date-time checked), and which (operation, status) pairs were seen.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OPENAPI_FILE = resolve(ROOT, 'openapi.yaml');

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface MediaType {
  readonly schema?: Record<string, unknown>;
  readonly example?: unknown;
  readonly examples?: Record<string, { readonly value?: unknown }>;
}
export interface ResponseObject {
  readonly description?: string;
  readonly content?: Record<string, MediaType>;
}
export interface ParameterObject {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: Record<string, unknown>;
  readonly example?: unknown;
  readonly examples?: Record<string, { readonly value?: unknown }>;
}
export interface OperationObject {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly ParameterObject[];
  readonly requestBody?: { readonly required?: boolean; readonly content?: Record<string, MediaType> };
  readonly responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], OperationObject>>>;
  readonly components?: {
    readonly schemas?: Record<string, Record<string, unknown>>;
    readonly securitySchemes?: Record<string, Record<string, unknown>>;
  };
  readonly security?: readonly Record<string, readonly string[]>[];
}

export interface Operation {
  readonly path: string;
  readonly method: (typeof HTTP_METHODS)[number];
  readonly operation: OperationObject;
}

/** openapi.yaml as committed, parsed (YAML anchors resolved). */
export function readOpenApi(): OpenApiDocument {
  return parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
}

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method];
      return operation === undefined ? [] : [{ path, method, operation }];
    }),
  );
}

export interface ResponseCheck {
  readonly ok: boolean;
  readonly errors: string;
}

/** Validates response bodies against openapi.yaml and records what was exercised. */
export class ContractOracle {
  readonly operations: Operation[];
  readonly seen = new Set<string>();
  readonly #validators = new Map<string, ValidateFunction>();

  private constructor(readonly doc: OpenApiDocument) {
    this.operations = operationsOf(doc);
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    addFormats.default(ajv);
    for (const { operation } of this.operations) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const schema = response.content?.['application/json']?.schema;
        if (schema !== undefined) this.#validators.set(`${operation.operationId ?? ''} ${status}`, ajv.compile(schema));
      }
    }
  }

  /** Loads openapi.yaml with every $ref resolved in place. */
  static async load(): Promise<ContractOracle> {
    const doc = (await SwaggerParser.dereference(
      structuredClone(readOpenApi()) as never,
    )) as unknown as OpenApiDocument;
    return new ContractOracle(doc);
  }

  /** All (operation, status) pairs the document declares, as `operationId status`. */
  declared(): string[] {
    return this.operations.flatMap(({ operation }) =>
      Object.keys(operation.responses ?? {}).map((status) => `${operation.operationId ?? ''} ${status}`),
    );
  }

  /** The error codes (operationId, status) has an example of: what the document says it answers. */
  documentedCodes(operationId: string, status: number): string[] {
    const operation = this.operations.find((op) => op.operation.operationId === operationId)?.operation;
    const media = operation?.responses?.[String(status)]?.content?.['application/json'];
    return [media?.example, ...Object.values(media?.examples ?? {}).map((example) => example.value)].flatMap((value) =>
      typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string'
        ? [(value as { code: string }).code]
        : [],
    );
  }

  /** Checks `body` against the schema for (operationId, status); records the pair as exercised. */
  check(operationId: string, status: number, body: unknown): ResponseCheck {
    const key = `${operationId} ${status}`;
    const validate = this.#validators.get(key);
    if (validate === undefined)
      return { ok: false, errors: `openapi.yaml documents no JSON response ${status} for ${operationId}` };
    this.seen.add(key);
    if (validate(body)) return { ok: true, errors: '' };
    return { ok: false, errors: JSON.stringify(validate.errors, null, 2) };
  }
}
