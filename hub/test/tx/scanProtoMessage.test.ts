/**
 * The strict wire-format scan's rules that matter inside transaction messages (the non-critical
 * flag passed down the tree as in the SDK's RejectUnknownFields, oneofs, packed and fixed-size
 * numerics) and the wire schemas built from @aegis/proto's generated descriptor.
 */
import protobuf from "protobufjs";
import { descriptor } from "@aegis/proto/descriptor";
import type { ProtoNamespaceDescriptor } from "@aegis/proto/descriptor";
import { createMessageSpecFromDescriptor, scanProtoMessage, TxError, type MessageSpec } from "../../src/tx/index.js";
import { concat, lengthDelimited, varint } from "./txFixtures.js";

const INNER: MessageSpec = { name: "Inner", fields: { 1: { name: "s", kind: "string" } } };
const OUTER: MessageSpec = {
  name: "Outer",
  fields: {
    1: { name: "inner", kind: "message", message: () => INNER },
    2: { name: "a", kind: "string", oneof: "choice" },
    3: { name: "b", kind: "varint", oneof: "choice" },
    4: { name: "nums", kind: "varint", repeated: true },
    5: { name: "f32", kind: "fixed32" },
    6: { name: "f64s", kind: "fixed64", repeated: true },
  },
};
const BODY: MessageSpec = { name: "Body", allowUnknownNonCritical: true, fields: { 1: { name: "outer", kind: "message", message: () => OUTER } } };

function decodeError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TxError);
    expect((e as TxError).type.code).toBe("TX_ERROR_DECODE");
    return (e as TxError).message;
  }
  throw new Error("expected TX_ERROR_DECODE");
}

const inner = (extra: (number | Uint8Array)[] = []) => concat(lengthDelimited(1, [0x61]), ...extra.map((e) => (typeof e === "number" ? [e] : e)));

describe("scanProtoMessage: unknown fields", () => {
  test("a critical unknown field is refused at every depth, with or without the non-critical allowance", () => {
    const deep = lengthDelimited(1, concat(lengthDelimited(1, inner([lengthDelimited(99, [1])]))));
    expect(decodeError(() => scanProtoMessage(deep, BODY))).toMatch(/Body\.outer\.inner: unknown field 99/);
    const msg = lengthDelimited(1, inner([lengthDelimited(99, [1])]));
    expect(decodeError(() => scanProtoMessage(msg, OUTER, { allowUnknownNonCritical: true }))).toMatch(/Outer\.inner: unknown field 99/);
    // 2048 lacks bit 1024: critical.
    expect(decodeError(() => scanProtoMessage(lengthDelimited(2048, [1]), OUTER, { allowUnknownNonCritical: true }))).toMatch(/unknown field 2048/);
  });

  test("a non-critical unknown field (number & 1024) is skipped below a message that allows it, as the SDK's flag is passed down", () => {
    const nested = lengthDelimited(1, lengthDelimited(1, inner([lengthDelimited(1025, [1])])));
    expect(scanProtoMessage(nested, BODY)).toEqual({ hasUnknownNonCritical: true });
    expect(scanProtoMessage(lengthDelimited(1, inner([lengthDelimited(1025, [1])])), OUTER, { allowUnknownNonCritical: true })).toEqual({ hasUnknownNonCritical: true });
    expect(scanProtoMessage(lengthDelimited(1, inner()), OUTER, { allowUnknownNonCritical: true })).toEqual({ hasUnknownNonCritical: false });
    // Without the allowance (AuthInfo, TxRaw), refused.
    expect(decodeError(() => scanProtoMessage(lengthDelimited(1, inner([lengthDelimited(1025, [1])])), OUTER))).toMatch(/unknown field 1025/);
  });
});

describe("scanProtoMessage: oneofs, packed and fixed-size numerics", () => {
  test("at most one field of a oneof", () => {
    expect(scanProtoMessage(lengthDelimited(2, [0x61]), OUTER).hasUnknownNonCritical).toBe(false);
    expect(scanProtoMessage(Uint8Array.of(0x18, 0x05), OUTER).hasUnknownNonCritical).toBe(false);
    expect(decodeError(() => scanProtoMessage(concat(lengthDelimited(2, [0x61]), [0x18, 0x05]), OUTER))).toMatch(/oneof choice already set by a/);
  });

  test("repeated numerics packed or not; packed payloads must be whole values", () => {
    scanProtoMessage(concat([0x20, 0x01, 0x20, 0x02]), OUTER);
    scanProtoMessage(lengthDelimited(4, [0x01, 0x96, 0x01]), OUTER);
    expect(decodeError(() => scanProtoMessage(lengthDelimited(4, [0x01, 0x96]), OUTER))).toMatch(/truncated varint/);
    expect(decodeError(() => scanProtoMessage(lengthDelimited(4, [0x80, 0x00]), OUTER))).toMatch(/minimal/);
    scanProtoMessage(lengthDelimited(6, new Uint8Array(16)), OUTER);
    expect(decodeError(() => scanProtoMessage(lengthDelimited(6, new Uint8Array(12)), OUTER))).toMatch(/multiple of its element size/);
    // A singular numeric is never packed.
    expect(decodeError(() => scanProtoMessage(lengthDelimited(5, new Uint8Array(4)), OUTER))).toMatch(/wire type 2, expected 5/);
  });

  test("fixed32 and fixed64 wire types", () => {
    scanProtoMessage(Uint8Array.of(0x2d, 1, 2, 3, 4), OUTER);
    scanProtoMessage(Uint8Array.of(0x31, 1, 2, 3, 4, 5, 6, 7, 8), OUTER);
    expect(decodeError(() => scanProtoMessage(Uint8Array.of(0x28, 0x01), OUTER))).toMatch(/Outer\.f32: wire type 0, expected 5/);
    expect(decodeError(() => scanProtoMessage(Uint8Array.of(0x2d, 1, 2), OUTER))).toMatch(/truncated/);
  });
});

describe("createMessageSpecFromDescriptor", () => {
  const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
  root.resolveAll();

  function allTypes(ns: protobuf.NamespaceBase): protobuf.Type[] {
    return ns.nestedArray.flatMap((n) => (n instanceof protobuf.Type ? [n, ...allTypes(n)] : n instanceof protobuf.Namespace ? allTypes(n) : []));
  }

  const KIND: Record<string, string> = { string: "string", bytes: "bytes", fixed32: "fixed32", sfixed32: "fixed32", float: "fixed32", fixed64: "fixed64", sfixed64: "fixed64", double: "fixed64" };

  test("every message of proto/src: the same field numbers, kinds, repetition and nested types as protobufjs' own resolution", () => {
    const types = allTypes(root);
    expect(types.length).toBeGreaterThan(20);
    for (const t of types) {
      const fullName = t.fullName.slice(1);
      const spec = createMessageSpecFromDescriptor(descriptor, fullName)!;
      expect(spec.name).toBe(fullName);
      const expected = Object.fromEntries(
        t.fieldsArray.map((f) => {
          const kind = f.resolvedType instanceof protobuf.Type ? "message" : (KIND[f.type] ?? "varint");
          const nested = f.resolvedType instanceof protobuf.Type ? f.resolvedType.fullName.slice(1) : undefined;
          return [f.id, { name: f.name, kind, repeated: f.repeated, nested }];
        }),
      );
      const actual = Object.fromEntries(
        Object.entries(spec.fields).map(([id, f]) => [Number(id), { name: f.name, kind: f.kind, repeated: f.repeated === true, nested: f.message?.().name }]),
      );
      expect({ fullName, fields: actual }).toEqual({ fullName, fields: expected });
    }
  });

  test("relative type names resolve in the enclosing scopes; enums are varints; recursion terminates", () => {
    const d: ProtoNamespaceDescriptor = {
      nested: {
        a: {
          nested: {
            Leaf: { fields: { x: { type: "uint64", id: 1 } } },
            Kind: { values: { ZERO: 0, ONE: 1 } },
            b: {
              nested: {
                Node: {
                  fields: {
                    leaf: { type: "Leaf", id: 1 },
                    kind: { type: "a.Kind", id: 2 },
                    children: { type: "Node", id: 3, rule: "repeated" },
                    inner: { type: "Inner", id: 4 },
                    abs: { type: ".a.Leaf", id: 5 },
                  },
                  nested: { Inner: { fields: { y: { type: "string", id: 1 } } } },
                },
              },
            },
          },
        },
      },
    };
    const node = createMessageSpecFromDescriptor(d, "a.b.Node")!;
    expect(node.fields[1]!.message!().name).toBe("a.Leaf");
    expect(node.fields[2]!.kind).toBe("varint");
    expect(node.fields[3]!.message!()).toBe(node);
    expect(node.fields[4]!.message!().name).toBe("a.b.Node.Inner");
    expect(node.fields[5]!.message!().name).toBe("a.Leaf");
    expect(createMessageSpecFromDescriptor(d, "a.Missing")).toBeUndefined();
    expect(createMessageSpecFromDescriptor(d, "a.Kind")).toBeUndefined();
  });

  test("fields the scan cannot check fail when the schema is built, not on a transaction", () => {
    const withMap: ProtoNamespaceDescriptor = { nested: { M: { fields: { m: { type: "string", keyType: "string", id: 1 } } } } };
    expect(() => createMessageSpecFromDescriptor(withMap, "M")).toThrow(/map fields/);
    const withUnknownType: ProtoNamespaceDescriptor = { nested: { M: { fields: { a: { type: "google.protobuf.Any", id: 1 } } } } };
    expect(() => createMessageSpecFromDescriptor(withUnknownType, "M")).toThrow(/not declared/);
  });

  test("a oneof of the descriptor is a oneof of the schema", () => {
    const d: ProtoNamespaceDescriptor = {
      nested: { M: { oneofs: { kind: { oneof: ["a", "b"] } }, fields: { a: { type: "string", id: 1 }, b: { type: "uint32", id: 2 }, c: { type: "bool", id: 3 } } } },
    };
    const spec = createMessageSpecFromDescriptor(d, "M")!;
    expect(spec.fields[1]!.oneof).toBe("kind");
    expect(spec.fields[3]!.oneof).toBeUndefined();
    expect(decodeError(() => scanProtoMessage(concat(lengthDelimited(1, []), [0x10, ...varint(1)]), spec))).toMatch(/oneof kind/);
  });
});
