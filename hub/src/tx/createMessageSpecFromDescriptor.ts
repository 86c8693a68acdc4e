import type { ProtoFieldDescriptor, ProtoNamespaceDescriptor } from "@aegis/proto/descriptor";
import type { FieldKind, FieldSpec, MessageSpec } from "./scanProtoMessage.js";

/**
 * Wire schemas (scanProtoMessage's MessageSpec) built from a protobufjs JSON descriptor — for the hub's
 * own messages, `@aegis/proto/descriptor`, generated from proto/src with the static codecs that decode
 * them — so a field added to a .proto file is in the schema as soon as the code is regenerated. Pure.
 *
 * Every message reachable from the requested one is converted when it is first requested, so a field
 * the scanner cannot check (a map, a google.protobuf.Any, an unresolvable type) fails at startup with
 * a clear error, never on a transaction.
 */

const SCALAR_KINDS: Readonly<Record<string, FieldKind>> = {
  int32: "varint",
  int64: "varint",
  uint32: "varint",
  uint64: "varint",
  sint32: "varint",
  sint64: "varint",
  bool: "varint",
  fixed32: "fixed32",
  sfixed32: "fixed32",
  float: "fixed32",
  fixed64: "fixed64",
  sfixed64: "fixed64",
  double: "fixed64",
  string: "string",
  bytes: "bytes",
};

type Resolved = { readonly kind: "message"; readonly fullName: string; readonly node: ProtoNamespaceDescriptor } | { readonly kind: "enum" };

function lookup(root: ProtoNamespaceDescriptor, parts: readonly string[]): ProtoNamespaceDescriptor | undefined {
  let node: ProtoNamespaceDescriptor | undefined = root;
  for (const p of parts) {
    node = node?.nested?.[p];
    if (node === undefined) return undefined;
  }
  return node;
}

/** protobuf scoping: a relative name is looked up in the message's scope, then in each enclosing one. */
function resolveType(root: ProtoNamespaceDescriptor, scope: readonly string[], ref: string): Resolved | undefined {
  const refParts = ref.replace(/^\./, "").split(".");
  const bases = ref.startsWith(".") ? [[]] : Array.from({ length: scope.length + 1 }, (_, i) => scope.slice(0, scope.length - i));
  for (const base of bases) {
    const parts = [...base, ...refParts];
    const node = lookup(root, parts);
    if (node?.fields !== undefined) return { kind: "message", fullName: parts.join("."), node };
    if (node?.values !== undefined) return { kind: "enum" };
  }
  return undefined;
}

const cache = new WeakMap<ProtoNamespaceDescriptor, Map<string, MessageSpec>>();

/**
 * The wire schema of message `fullName` (e.g. "aegis.slashing.v1.MsgSubmitEvidence") in `root`, or
 * undefined when `root` declares no such message. Throws Error for a field the scanner cannot check.
 */
export function createMessageSpecFromDescriptor(root: ProtoNamespaceDescriptor, fullName: string): MessageSpec | undefined {
  let specs = cache.get(root);
  if (specs === undefined) {
    specs = new Map();
    cache.set(root, specs);
  }
  const node = lookup(root, fullName.split("."));
  if (node?.fields === undefined) return undefined;
  return build(root, fullName, node, specs);
}

function build(root: ProtoNamespaceDescriptor, fullName: string, node: ProtoNamespaceDescriptor, specs: Map<string, MessageSpec>): MessageSpec {
  const cached = specs.get(fullName);
  if (cached !== undefined) return cached;
  const fields: Record<number, FieldSpec> = {};
  const spec: MessageSpec = { name: fullName, fields };
  specs.set(fullName, spec); // before the fields: a message may contain itself
  const oneofOf = new Map<string, string>();
  for (const [oneof, { oneof: members }] of Object.entries(node.oneofs ?? {})) {
    for (const m of members) oneofOf.set(m, oneof);
  }
  const scope = fullName.split(".");
  for (const [name, f] of Object.entries(node.fields ?? {})) {
    fields[f.id] = buildField(root, fullName, scope, name, f, oneofOf.get(name), specs);
  }
  return spec;
}

function buildField(
  root: ProtoNamespaceDescriptor,
  owner: string,
  scope: readonly string[],
  name: string,
  f: ProtoFieldDescriptor,
  oneof: string | undefined,
  specs: Map<string, MessageSpec>,
): FieldSpec {
  const where = `${owner}.${name}`;
  if (f.keyType !== undefined) throw new Error(`${where}: map fields are not supported by the wire-format scan`);
  const base = { name, ...(f.rule === "repeated" ? { repeated: true } : {}), ...(oneof !== undefined ? { oneof } : {}) };
  const scalar = SCALAR_KINDS[f.type];
  if (scalar !== undefined) return { ...base, kind: scalar };
  const resolved = resolveType(root, scope, f.type);
  if (resolved === undefined) throw new Error(`${where}: type ${f.type} is not declared in the descriptor`);
  if (resolved.kind === "enum") return { ...base, kind: "varint" };
  if (resolved.fullName === "google.protobuf.Any") throw new Error(`${where}: google.protobuf.Any fields are not supported by the wire-format scan`);
  const nested = build(root, resolved.fullName, resolved.node, specs);
  return { ...base, kind: "message", message: () => nested };
}
