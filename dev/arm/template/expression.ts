/**
 * The template expression language: a JSON string "[...]" is an expression, "[[..." a literal that
 * starts with "[". Grammar: call := name ('.' name)? '(' args ')' ; postfix '.prop' and '[expr]';
 * arguments are calls, 'strings' ('' escapes a quote) and integers.
 */
import { invalid } from "./errors";

export type Node =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "property"; target: Node; name: string }
  | { kind: "index"; target: Node; index: Node };

/** The expression inside a template string, or undefined for a literal. */
export function expressionOf(text: string): string | undefined {
  if (!text.startsWith("[") || !text.endsWith("]") || text.startsWith("[[")) return undefined;
  const inner = text.slice(1, -1);
  return inner.trim() ? inner : undefined;
}

/** A literal string's value: "[[x]" stands for "[x]". */
export function literalOf(text: string): string {
  return text.startsWith("[[") && text.endsWith("]") ? text.slice(1) : text;
}

export function parseExpression(source: string): Node {
  let pos = 0;
  const fail = (what: string): never => {
    throw invalid(`The template language expression '${source}' is not valid: ${what} at position ${pos}.`);
  };
  const skip = () => {
    while (pos < source.length && /\s/.test(source[pos])) pos++;
  };
  const name = (): string => {
    const m = /^[A-Za-z_$][\w$]*/.exec(source.slice(pos));
    if (!m) fail("a function or property name is expected");
    pos += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };
  const primary = (): Node => {
    skip();
    const c = source[pos];
    if (c === "'") {
      let value = "";
      pos++;
      for (;;) {
        if (pos >= source.length) fail("a string is not closed");
        if (source[pos] === "'") {
          if (source[pos + 1] === "'") {
            value += "'";
            pos += 2;
            continue;
          }
          pos++;
          return { kind: "string", value };
        }
        value += source[pos++];
      }
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(pos));
    if (number) {
      pos += number[0].length;
      return { kind: "number", value: Number(number[0]) };
    }
    let fn = name();
    skip();
    if (source[pos] === ".") {
      pos++;
      fn = `${fn}.${name()}`;
      skip();
    }
    if (source[pos] !== "(") fail(`'(' is expected after '${fn}'`);
    pos++;
    const args: Node[] = [];
    skip();
    if (source[pos] === ")") pos++;
    else {
      for (;;) {
        args.push(postfix());
        skip();
        if (source[pos] === ",") {
          pos++;
          continue;
        }
        if (source[pos] === ")") {
          pos++;
          break;
        }
        fail("',' or ')' is expected");
      }
    }
    return { kind: "call", name: fn, args };
  };
  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      skip();
      if (source[pos] === ".") {
        pos++;
        skip();
        node = { kind: "property", target: node, name: name() };
      } else if (source[pos] === "[") {
        pos++;
        const index = postfix();
        skip();
        if (source[pos] !== "]") fail("']' is expected");
        pos++;
        node = { kind: "index", target: node, index };
      } else return node;
    }
  };
  const root = postfix();
  skip();
  if (pos < source.length) fail("unexpected text");
  return root;
}

/** Every function name an expression calls (for validation before deploying). */
export function functionsIn(node: Node, into: Set<string> = new Set()): Set<string> {
  if (node.kind === "call") {
    into.add(node.name);
    for (const arg of node.args) functionsIn(arg, into);
  } else if (node.kind === "property") functionsIn(node.target, into);
  else if (node.kind === "index") {
    functionsIn(node.target, into);
    functionsIn(node.index, into);
  }
  return into;
}
