/**
 * Static analysis of the built bundles for test/packaging/lazy-chunks.test.ts: every dynamic
 * `import("./…")` in dist/, the chunk it loads, that chunk's export names, and the names the code
 * reads from the module it gets. Follows the shapes esbuild emits for this code base:
 *   import(x).then(({ a, b }) => …) / .then((m) => m.a)
 *   const { a } = await import(x);  const m = await import(x); m.a;  (await import(x)).a
 *   v = cond ? import(x) : import(y); … (await v).a  /  const m = await v; m.a
 *   const TABLE = { k: () => import(x), … }; const load = TABLE[k]; const m = await load(); m.a
 *   function load() { v = import(x); return v; } … const m = await load(); m.a   (across the bundle's files)
 *   import(x).catch(…) / .finally(…) as import(x)
 * A site whose use it can't follow reports no names (the chunk is still checked to export names).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'acorn';

type Node = { type: string; start: number; end: number; [key: string]: unknown };

export interface ImportSite {
  /** The importing file, relative to dist/. */
  from: string;
  /** The imported chunk, relative to dist/ (or the `node:` specifier). */
  target: string;
  /** Names the importing code reads from the module object. */
  names: string[];
}

export function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsFiles(path) : name.endsWith('.js') || name.endsWith('.mjs') ? [path] : [];
  });
}

function parseModule(source: string): Node {
  return parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as unknown as Node;
}

/** Every node with its parent. */
function walk(root: Node): Array<{ node: Node; parent: Node | null }> {
  const out: Array<{ node: Node; parent: Node | null }> = [];
  const stack: Array<{ node: Node; parent: Node | null }> = [{ node: root, parent: null }];
  while (stack.length) {
    const item = stack.pop()!;
    out.push(item);
    for (const value of Object.values(item.node)) {
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) if (child && typeof child === 'object' && typeof (child as Node).type === 'string') stack.push({ node: child as Node, parent: item.node });
    }
  }
  return out;
}

/** Export names of an ESM chunk, read from its `export { … }` / `export default` / `export function` statements. */
export function exportNames(source: string): string[] {
  const names: string[] = [];
  for (const node of (parseModule(source).body as Node[])) {
    if (node.type === 'ExportDefaultDeclaration') names.push('default');
    if (node.type === 'ExportNamedDeclaration') {
      for (const spec of (node.specifiers as Node[]) ?? []) names.push(keyName(spec.exported as Node)!);
      const decl = node.declaration as Node | null;
      if (decl?.type === 'FunctionDeclaration' || decl?.type === 'ClassDeclaration') names.push((decl.id as Node).name as string);
      if (decl?.type === 'VariableDeclaration') for (const d of decl.declarations as Node[]) names.push(((d.id as Node).name as string) ?? '');
    }
  }
  return names;
}

function keyName(node: Node | undefined): string | null {
  if (!node) return null;
  if (node.type === 'Identifier') return node.name as string;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  return null;
}

/** Climbs through parentheses, ternaries and `.catch()`/`.finally()` calls, which keep the module value. */
const unwrap = (node: Node, parents: Map<Node, Node | null>): { node: Node; parent: Node | null } => {
  let current = node;
  let parent = parents.get(current) ?? null;
  for (;;) {
    if (parent && (parent.type === 'ParenthesizedExpression' || parent.type === 'ConditionalExpression' || parent.type === 'ChainExpression')) {
      current = parent;
    } else if (parent?.type === 'MemberExpression' && parent.object === current && ['catch', 'finally'].includes(keyName(parent.property as Node) ?? '')) {
      const call = parents.get(parent);
      if (call?.type !== 'CallExpression' || call.callee !== parent) break;
      current = call;
    } else break;
    parent = parents.get(current) ?? null;
  }
  return { node: current, parent };
};

/** A parsed bundle file: its nodes (with parents), for tracing uses across files. */
interface Parsed {
  all: Array<{ node: Node; parent: Node | null }>;
  parents: Map<Node, Node | null>;
}

/** Names read from a module object held by `binding` (ObjectPattern keys or `id.name` accesses). */
function namesFromBinding(id: Node, all: Array<{ node: Node; parent: Node | null }>): string[] {
  if (id.type === 'ObjectPattern') return (id.properties as Node[]).map((p) => keyName(p.key as Node)).filter((n): n is string => n !== null);
  if (id.type !== 'Identifier') return [];
  const name = id.name as string;
  return all
    .filter(({ node }) => node.type === 'MemberExpression' && (node.object as Node).type === 'Identifier' && (node.object as Node).name === name && !node.computed)
    .map(({ node }) => keyName(node.property as Node)!)
    .filter((n) => n !== 'then');
}

/** Names read from the value an `await <expr>` gives, wherever that await sits. */
function namesFromAwait(awaitNode: Node, parents: Map<Node, Node | null>, all: Array<{ node: Node; parent: Node | null }>): string[] {
  const { parent } = unwrap(awaitNode, parents);
  if (!parent) return [];
  if (parent.type === 'VariableDeclarator') return namesFromBinding(parent.id as Node, all);
  if (parent.type === 'AssignmentExpression' && (parent.left as Node).type === 'Identifier') return namesFromBinding(parent.left as Node, all);
  if (parent.type === 'MemberExpression' && !parent.computed) return [keyName(parent.property as Node)!];
  return [];
}

/** Names read wherever a promise of the module, held in identifier `name`, is awaited. */
function namesFromPromiseVariable(name: string, parents: Map<Node, Node | null>, all: Array<{ node: Node; parent: Node | null }>): string[] {
  return all
    .filter(({ node }) => node.type === 'AwaitExpression' && (node.argument as Node).type === 'Identifier' && (node.argument as Node).name === name)
    .flatMap(({ node }) => namesFromAwait(node, parents, all));
}

/** Names read from the awaited result of calling function `name`, in any file of the bundle. */
function namesFromCalls(name: string, bundle: Parsed[]): string[] {
  return bundle.flatMap(({ all, parents }) =>
    all
      .filter(({ node }) => node.type === 'AwaitExpression' && (node.argument as Node).type === 'CallExpression' && ((node.argument as Node).callee as Node).name === name)
      .flatMap(({ node }) => namesFromAwait(node, parents, all)),
  );
}

/** The name of the function around `node` if it returns identifier `variable`. */
function functionReturning(node: Node, variable: string, parents: Map<Node, Node | null>): string | null {
  let fn: Node | null | undefined = parents.get(node);
  while (fn && fn.type !== 'FunctionDeclaration') fn = parents.get(fn);
  if (!fn) return null;
  const returns = walk(fn.body as Node).some(({ node: n }) => n.type === 'ReturnStatement' && (n.argument as Node | null)?.type === 'Identifier' && (n.argument as Node).name === variable);
  return returns ? ((fn.id as Node).name as string) : null;
}

function namesAtSite(site: Node, parents: Map<Node, Node | null>, all: Array<{ node: Node; parent: Node | null }>, bundle: Parsed[]): string[] {
  const { node, parent } = unwrap(site, parents);
  if (!parent) return [];
  // import(x).then(cb)
  if (parent.type === 'MemberExpression' && keyName(parent.property as Node) === 'then') {
    const call = parents.get(parent);
    const cb = (call?.arguments as Node[] | undefined)?.[0];
    const param = (cb?.params as Node[] | undefined)?.[0];
    if (!param) return [];
    if (param.type === 'ObjectPattern') return namesFromBinding(param, all);
    if (param.type === 'Identifier') return namesFromBinding(param, walk(cb!.body as Node));
    return [];
  }
  if (parent.type === 'AwaitExpression') return namesFromAwait(parent, parents, all);
  // v = import(x) (or a ternary of imports): a promise kept in a variable or a property.
  if (parent.type === 'AssignmentExpression' || parent.type === 'VariableDeclarator') {
    const target = (parent.type === 'AssignmentExpression' ? parent.left : parent.id) as Node;
    if (target.type !== 'Identifier') return [];
    const variable = target.name as string;
    const returnedBy = functionReturning(parent, variable, parents);
    return [...namesFromPromiseVariable(variable, parents, all), ...(returnedBy ? namesFromCalls(returnedBy, bundle) : [])];
  }
  // TABLE = { key: () => import(x) }: loaders looked up in a table, called, awaited.
  if (parent.type === 'ArrowFunctionExpression' && parent.body === node) {
    const property = parents.get(parent);
    const object = property?.type === 'Property' ? parents.get(property) : null;
    const holder = object ? parents.get(object) : null;
    if (holder?.type !== 'VariableDeclarator' || (holder.id as Node).type !== 'Identifier') return [];
    const table = (holder.id as Node).name as string;
    const loaders = all
      .filter(({ node: n, parent: p }) => n.type === 'MemberExpression' && (n.object as Node).type === 'Identifier' && (n.object as Node).name === table && p?.type === 'VariableDeclarator')
      .map(({ parent: p }) => ((p!.id as Node).name as string));
    return all
      .filter(({ node: n }) => n.type === 'AwaitExpression' && (n.argument as Node).type === 'CallExpression' && loaders.includes(((n.argument as Node).callee as Node).name as string))
      .flatMap(({ node: n }) => namesFromAwait(n, parents, all));
  }
  return [];
}

/** Every dynamic import with a literal specifier in the JS files under `dist`, bundle by bundle (dist/cli, dist/main, …). */
export function importSites(dist: string): ImportSite[] {
  const sites: ImportSite[] = [];
  for (const bundleDir of readdirSync(dist).map((name) => join(dist, name)).filter((path) => statSync(path).isDirectory())) {
    const files: Array<{ file: string } & Parsed> = [];
    for (const file of jsFiles(bundleDir)) {
      let program: Node;
      try {
        program = parseModule(readFileSync(file, 'utf8'));
      } catch {
        continue; // not an ES module (the CommonJS preload, the renderer's IIFE)
      }
      const all = walk(program);
      files.push({ file, all, parents: new Map(all.map(({ node, parent }) => [node, parent])) });
    }
    for (const { file, all, parents } of files) {
      for (const { node } of all) {
        if (node.type !== 'ImportExpression') continue;
        const spec = keyName(node.source as Node);
        if (spec === null) continue;
        const target = spec.startsWith('.') ? relative(dist, resolve(dirname(file), spec)) : spec;
        sites.push({ from: relative(dist, file), target, names: [...new Set(namesAtSite(node, parents, all, files))].sort() });
      }
    }
  }
  return sites;
}
