/**
 * Reading the `-- @…` annotations of a SQL schema: `@renamed` on the line of the table or column
 * it renames, `@allow-drop` and `@data` on lines of their own. Anything malformed or misplaced is
 * an error naming its line.
 */
import { schemaProblem, type DesiredSchemaError } from '../desired.js';
import { parseCreateTable, type ParsedCreateTable } from '../sql/create-table.js';
import type { Comment, Script, Statement } from '../sql/statements.js';
import { identifierOf, isWord, SqlSyntaxError, tokenize, type Token } from '../sql/tokens.js';
import type { Declaration, DropKind } from './declarations.js';

const DROP_KINDS: readonly string[] = ['table', 'column', 'index', 'view', 'trigger'];

interface RenameTarget {
  readonly table: string;
  /** null for the table itself. */
  readonly column: string | null;
}

interface RenameTargets {
  /** Which tables and columns start on which line: `@renamed` applies to the one on its line. */
  readonly byLine: ReadonlyMap<number, readonly RenameTarget[]>;
  /** CREATE TABLE statements that do not parse: SQLite refuses them when the schema loads. */
  readonly unreadable: readonly Statement[];
}

/** Is this a CREATE TABLE or CREATE VIRTUAL TABLE (not TEMP: the loader refuses those)? */
function isCreateTable(tokens: readonly Token[]): boolean {
  return (
    isWord(tokens[0], 'CREATE') &&
    (isWord(tokens[1], 'TABLE') || (isWord(tokens[1], 'VIRTUAL') && isWord(tokens[2], 'TABLE')))
  );
}

function renameTargets(statements: readonly Statement[], lineAt: (offset: number) => number): RenameTargets {
  const byLine = new Map<number, RenameTarget[]>();
  const unreadable: Statement[] = [];
  const add = (offset: number, target: RenameTarget): void => {
    const line = lineAt(offset);
    const list = byLine.get(line) ?? [];
    if (!list.some((known) => known.table === target.table && known.column === target.column)) list.push(target);
    byLine.set(line, list);
  };
  for (const statement of statements) {
    if (!isCreateTable(statement.tokens)) continue;
    let parsed: ParsedCreateTable;
    try {
      parsed = parseCreateTable(statement.text);
    } catch (error) {
      if (!(error instanceof SqlSyntaxError)) throw error;
      unreadable.push(statement);
      continue;
    }
    // Offsets of the parse are into the statement's text, which starts at statement.start.
    add(statement.start, { table: parsed.name, column: null });
    add(statement.start + parsed.nameStart, { table: parsed.name, column: null });
    for (const column of parsed.columns)
      add(statement.start + column.start, { table: parsed.name, column: column.name });
  }
  return { byLine, unreadable };
}

/** Reads `name` or `table.name` (any quoting) from tokens; the rest must be empty. */
function readName(tokens: readonly Token[], dotted: boolean): string[] | null {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    const token = tokens[i++];
    const name = token?.kind === 'number' ? undefined : identifierOf(token);
    if (name === undefined) return null;
    parts.push(name);
    if (!dotted || tokens[i]?.text !== '.') break;
    i++;
  }
  return i === tokens.length && (!dotted || parts.length === 2) ? parts : null;
}

export interface Annotations {
  readonly declarations: Declaration[];
  readonly dataMarker: Comment | null;
}

function inside(comment: Comment, statement: Statement): boolean {
  return comment.start > statement.start && comment.start < statement.end;
}

function insideStatement(comment: Comment, statements: readonly Statement[]): boolean {
  return statements.some((statement) => inside(comment, statement));
}

/** Reads every `-- @…` comment; anything malformed or misplaced is an error naming its line. */
export function readAnnotations(script: Script, origin: string | undefined): Annotations {
  const declarations: Declaration[] = [];
  let dataMarker: Comment | null = null;
  const targets = renameTargets(script.statements, (offset) => script.lineAt(offset));
  for (const comment of script.comments) {
    const body = comment.body.trim();
    if (!body.startsWith('@')) continue;
    const fail = (problem: string): DesiredSchemaError =>
      schemaProblem(origin, comment.line, `${body.split(/\s/)[0] ?? body}: ${problem}`);
    if (comment.kind === 'block')
      throw fail('annotations are line comments (-- @renamed …, -- @allow-drop …, -- @data)');
    const match = /^@([A-Za-z][\w-]*)\s*(.*)$/s.exec(body);
    const name = match?.[1] ?? '';
    const args = match?.[2] ?? '';
    if (dataMarker !== null && comment.start > dataMarker.start) {
      throw fail(`annotations belong before the -- @data marker on line ${dataMarker.line}`);
    }
    let argTokens: readonly Token[];
    try {
      argTokens = tokenize(args);
    } catch {
      throw fail(`cannot read "${args}"`);
    }
    if (name === 'data') {
      if (args !== '') throw fail('takes nothing after it; the data steps follow on the next lines');
      if (!comment.ownLine || insideStatement(comment, script.statements))
        throw fail('must stand on a line of its own between statements');
      dataMarker = comment;
    } else if (name === 'renamed') {
      const from =
        argTokens.length >= 3 && isWord(argTokens[0], 'from') && argTokens[1]?.text === '='
          ? readName(argTokens.slice(2), false)
          : null;
      if (from === null)
        throw fail('expected from=<old name> (quote a name that is not a plain word: from="old name")');
      // In a CREATE TABLE SQLite cannot read, the loader's syntax error is the one to report.
      if (targets.unreadable.some((statement) => inside(comment, statement))) continue;
      const here = targets.byLine.get(comment.line) ?? [];
      if (here.length === 0) {
        throw fail(
          'must end the line of the CREATE TABLE or of the column it renames (only tables and columns are renamed)',
        );
      }
      if (here.length > 1) {
        throw fail(
          `line ${comment.line} holds ${here.map((target) => (target.column === null ? `table ${target.table}` : `column ${target.table}.${target.column}`)).join(' and ')}; ` +
            'put the renamed one on a line of its own',
        );
      }
      const target = here[0] as RenameTarget;
      if (target.column === null) {
        declarations.push({
          kind: 'rename_table',
          table: target.table,
          from: from[0] as string,
          line: comment.line,
          label: body,
        });
      } else {
        declarations.push({
          kind: 'rename_column',
          table: target.table,
          column: target.column,
          from: from[0] as string,
          line: comment.line,
          label: body,
        });
      }
    } else if (name === 'allow-drop') {
      if (!comment.ownLine || insideStatement(comment, script.statements))
        throw fail('must stand on a line of its own between statements');
      const kind = argTokens[0]?.kind === 'word' ? argTokens[0].text.toLowerCase() : '';
      if (!DROP_KINDS.includes(kind))
        throw fail(`expected one of ${DROP_KINDS.join(', ')} and a name, e.g. -- @allow-drop column users.legacy`);
      const parts = readName(argTokens.slice(1), kind === 'column');
      if (parts === null) {
        throw fail(
          kind === 'column'
            ? 'expected <table>.<column> (quote names that are not plain words)'
            : `expected the ${kind}'s name (quote a name that is not a plain word)`,
        );
      }
      declarations.push(
        kind === 'column'
          ? {
              kind: 'allow_drop_column',
              table: parts[0] as string,
              column: parts[1] as string,
              line: comment.line,
              label: body,
            }
          : { kind: 'allow_drop', object: kind as DropKind, name: parts[0] as string, line: comment.line, label: body },
      );
    } else {
      throw fail(
        'unknown annotation; the known ones are -- @renamed from=<old>, -- @allow-drop <kind> <name> and -- @data',
      );
    }
  }
  return { declarations, dataMarker };
}
