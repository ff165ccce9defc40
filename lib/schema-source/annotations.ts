/**
 * Reading the annotations of a SQL schema, as sqldef writes them: `-- @renamed from=old` ending the
 * line of the table, column or index it renames, or `/* @renamed from=old *\/` inside its definition
 * (after the table's or index's name, after a column's name); `-- @allow-drop` and `-- @data` on
 * lines of their own. Anything malformed or misplaced is an error naming its line.
 */
import { schemaProblem, type DesiredSchemaError } from '../desired.js';
import { parseCreateTable, type ParsedCreateTable } from '../sql/create-table.js';
import type { Comment, Script, Statement } from '../sql/statements.js';
import { createHead } from '../sql/create-head.js';
import { identifierOf, isWord, SqlSyntaxError, tokenize, type Token } from '../sql/tokens.js';
import type { Declaration, DropKind } from './declarations.js';

const DROP_KINDS: readonly string[] = ['table', 'column', 'index', 'view', 'trigger'];

type RenameTarget =
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'column'; readonly table: string; readonly column: string }
  | { readonly kind: 'index'; readonly index: string };

/** Where a block comment `/* @renamed from=… *\/` renames the target: offsets [start, end) of the script. */
interface Span {
  readonly start: number;
  readonly end: number;
  readonly target: RenameTarget;
}

interface RenameTargets {
  /** Which tables, columns and indexes start on which line: `-- @renamed` applies to the one on its line. */
  readonly byLine: ReadonlyMap<number, readonly RenameTarget[]>;
  /** Where a block comment names each: a table before its columns, a column up to the next, an index anywhere in it. */
  readonly spans: readonly Span[];
  /** CREATE TABLE statements that do not parse: SQLite refuses them when the schema loads. */
  readonly unreadable: readonly Statement[];
}

const sameTarget = (a: RenameTarget, b: RenameTarget): boolean => JSON.stringify(a) === JSON.stringify(b);

function describeTarget(target: RenameTarget): string {
  if (target.kind === 'table') return `table ${target.table}`;
  if (target.kind === 'column') return `column ${target.table}.${target.column}`;
  return `index ${target.index}`;
}

function renameTargets(statements: readonly Statement[], lineAt: (offset: number) => number): RenameTargets {
  const byLine = new Map<number, RenameTarget[]>();
  const spans: Span[] = [];
  const unreadable: Statement[] = [];
  const add = (offset: number, target: RenameTarget): void => {
    const line = lineAt(offset);
    const list = byLine.get(line) ?? [];
    if (!list.some((known) => sameTarget(known, target))) list.push(target);
    byLine.set(line, list);
  };
  for (const statement of statements) {
    const head = createHead(statement.tokens);
    // Not TEMP: the loader refuses those.
    if (head === null || head.temp || head.name === undefined) continue;
    if (head.type === 'index') {
      const target: RenameTarget = { kind: 'index', index: head.name };
      add(statement.start, target);
      add((statement.tokens[head.nameAt] as Token).start, target);
      spans.push({ start: statement.start, end: statement.end, target });
      continue;
    }
    if (head.type !== 'table') continue;
    let parsed: ParsedCreateTable;
    try {
      parsed = parseCreateTable(statement.text);
    } catch (error) {
      if (!(error instanceof SqlSyntaxError)) throw error;
      unreadable.push(statement);
      continue;
    }
    // Offsets of the parse are into the statement's text, which starts at statement.start.
    const at = (offset: number): number => statement.start + offset;
    const table: RenameTarget = { kind: 'table', table: parsed.name };
    add(statement.start, table);
    add(at(parsed.nameStart), table);
    const [first] = parsed.columns;
    const bodyEnd = parsed.bodyEnd < 0 ? statement.end : at(parsed.bodyEnd);
    spans.push({ start: statement.start, end: first === undefined ? bodyEnd : at(first.start), target: table });
    const columnsEnd = parsed.tableConstraints[0] === undefined ? bodyEnd : at(parsed.tableConstraints[0].start);
    parsed.columns.forEach((column, i) => {
      const target: RenameTarget = { kind: 'column', table: parsed.name, column: column.name };
      add(at(column.start), target);
      const next = parsed.columns[i + 1];
      spans.push({ start: at(column.start), end: next === undefined ? columnsEnd : at(next.start), target });
    });
  }
  return { byLine, spans, unreadable };
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

function renameDeclaration(target: RenameTarget, from: string, line: number, label: string): Declaration {
  switch (target.kind) {
    case 'table':
      return { kind: 'rename_table', table: target.table, from, line, label };
    case 'column':
      return { kind: 'rename_column', table: target.table, column: target.column, from, line, label };
    case 'index':
      return { kind: 'rename_index', index: target.index, from, line, label };
  }
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
    const match = /^@([A-Za-z][\w-]*)\s*(.*)$/s.exec(body);
    const name = match?.[1] ?? '';
    const args = match?.[2] ?? '';
    if (comment.kind === 'block' && name !== 'renamed')
      throw fail('is a line comment (-- @allow-drop …, -- @data); only @renamed is also written /* @renamed from=… */');
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
      const here =
        comment.kind === 'block'
          ? targets.spans
              .filter((span) => comment.start > span.start && comment.start < span.end)
              .map((span) => span.target)
          : (targets.byLine.get(comment.line) ?? []);
      if (here.length === 0) {
        throw fail(
          comment.kind === 'block'
            ? "must stand in the CREATE TABLE before its columns (the table), after a column's name (the column) or in the CREATE INDEX it renames"
            : 'must end the line of the CREATE TABLE or of the column it renames, or of its CREATE INDEX (only tables, columns and indexes are renamed)',
        );
      }
      if (here.length > 1) {
        throw fail(
          `line ${comment.line} holds ${here.map(describeTarget).join(' and ')}; ` +
            'put the renamed one on a line of its own, or write /* @renamed from=… */ after its name',
        );
      }
      declarations.push(renameDeclaration(here[0] as RenameTarget, from[0] as string, comment.line, body));
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
