/**
 * The head of a CREATE statement — `CREATE [TEMP] [UNIQUE|VIRTUAL] TABLE|INDEX|VIEW|TRIGGER
 * [IF NOT EXISTS] [schema.]name` — read once for every reader (the schema loader, the CREATE
 * TABLE parser, the annotation reader).
 */
import { identifierOf, isWord, type Token } from './tokens.js';

export type CreateType = 'table' | 'index' | 'view' | 'trigger';

export interface CreateHead {
  readonly type: CreateType;
  readonly temp: boolean;
  readonly virtual: boolean;
  readonly unique: boolean;
  readonly ifNotExists: boolean;
  /** The schema qualifier (`main` in `main.t`) when written ('' when it cannot name anything). */
  readonly schema: string | undefined;
  /** The object's name, undefined when the token there cannot name anything. */
  readonly name: string | undefined;
  /** Index of the name token (where the name should be, when it is missing). */
  readonly nameAt: number;
}

const TYPES: readonly CreateType[] = ['table', 'index', 'view', 'trigger'];

/** Reads the head, or null when the tokens do not start `CREATE [modifiers] <type>`. */
export function createHead(tokens: readonly Token[]): CreateHead | null {
  let i = 0;
  if (!isWord(tokens[i++], 'CREATE')) return null;
  const temp = isWord(tokens[i], 'TEMP', 'TEMPORARY');
  if (temp) i++;
  const virtual = isWord(tokens[i], 'VIRTUAL');
  const unique = isWord(tokens[i], 'UNIQUE');
  if (virtual || unique) i++;
  const kind = tokens[i++];
  const type = TYPES.find((candidate) => isWord(kind, candidate));
  if (type === undefined) return null;
  const ifNotExists = isWord(tokens[i], 'IF');
  if (ifNotExists) i += 3;
  let schema: string | undefined;
  let name = identifierOf(tokens[i]);
  if (tokens[i + 1]?.text === '.') {
    schema = name ?? '';
    i += 2;
    name = identifierOf(tokens[i]);
  }
  return { type, temp, virtual, unique, ifNotExists, schema, name, nameAt: i };
}
