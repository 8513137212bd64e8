import { readFile } from "node:fs/promises";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import type { Client } from "pg";

// Describes a PostgreSQL schema twice in one shape: as schema.prisma says Prisma would create it,
// and as the database actually is. Equal descriptions mean the migrations match the schema.
// (`prisma migrate diff` would do this, but it needs the schema engine these machines lack.)

export interface SchemaShape {
  tables: Record<string, { columns: Record<string, string>; primaryKey: string[] }>;
  indexes: Record<string, string>;
  foreignKeys: Record<string, string>;
  enums: Record<string, string[]>;
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "enum" | "object" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  default?: { name?: string } | unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  fields: { name: string }[];
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: { name: string; dbName: string | null; values: { name: string; dbName: string | null }[] }[];
    indexes: DmmfIndex[];
  };
}

const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

function nativeTypeSql([name, args]: [string, string[]]): string {
  const withArgs = (sql: string) => (args.length ? `${sql}(${args.join(",")})` : sql);
  switch (name) {
    case "Timestamptz": return `timestamp(${args[0] ?? 6}) with time zone`;
    case "Timestamp": return `timestamp(${args[0] ?? 6}) without time zone`;
    case "VarChar": return withArgs("character varying");
    case "Char": return withArgs("character");
    case "Uuid": return "uuid";
    case "Text": return "text";
    case "JsonB": return "jsonb";
    case "Json": return "json";
    case "SmallInt": return "smallint";
    case "Integer": return "integer";
    case "BigInt": return "bigint";
    case "Real": return "real";
    case "DoublePrecision": return "double precision";
    case "Decimal": return withArgs("numeric");
    case "Date": return "date";
    case "Inet": return "inet";
    default: throw new Error(`drift.ts does not know the native type @db.${name}; teach nativeTypeSql`);
  }
}

export async function loadDmmf(schemaPath: string): Promise<Dmmf> {
  const schema = await readFile(schemaPath, "utf8");
  return JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [[schemaPath, schema]] }))) as Dmmf;
}

/** What Prisma's migrations would create for this data model. */
export function expectedShape(dmmf: Dmmf): SchemaShape {
  const { models, enums, indexes } = dmmf.datamodel;
  const tableOf = new Map(models.map((m) => [m.name, m.dbName ?? m.name]));
  const enumOf = new Map(enums.map((e) => [e.name, e.dbName ?? e.name]));
  const shape: SchemaShape = { tables: {}, indexes: {}, foreignKeys: {}, enums: {} };
  for (const e of enums) shape.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  for (const model of models) {
    const table = model.dbName ?? model.name;
    const column = (field: string) => {
      const f = model.fields.find((candidate) => candidate.name === field);
      return f?.dbName ?? field;
    };
    const columns: Record<string, string> = {};
    for (const field of model.fields) {
      if (field.kind === "object") continue;
      const base = field.kind === "enum" ? enumOf.get(field.type)! : field.nativeType ? nativeTypeSql(field.nativeType) : SCALAR_TYPES[field.type];
      if (!base) throw new Error(`drift.ts does not know the Prisma type ${field.type}`);
      const type = field.isList ? `${base}[]` : base;
      const isAutoincrement = (field.default as { name?: string } | undefined)?.name === "autoincrement";
      // Prisma creates list columns nullable and expresses autoincrement as a serial column.
      const nullability = field.isRequired && !field.isList ? "not null" : "null";
      const defaultKind = isAutoincrement ? "serial" : field.hasDefaultValue && !isDbGenerated(field) ? "default" : "no default";
      columns[column(field.name)] = `${type} ${nullability} ${defaultKind}`;
    }
    const pk = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
    shape.tables[table] = { columns, primaryKey: pk.map(column) };

    for (const field of model.fields) {
      if (field.kind !== "object" || !field.relationFromFields?.length) continue;
      const from = field.relationFromFields.map(column);
      const target = models.find((m) => m.name === field.type)!;
      const to = (field.relationToFields ?? []).map((name) => target.fields.find((f) => f.name === name)?.dbName ?? name);
      const onDelete = (field.relationOnDelete ?? (field.isRequired ? "Restrict" : "SetNull")).toLowerCase();
      shape.foreignKeys[`${table}_${from.join("_")}_fkey`] = `(${from.join(", ")}) -> ${tableOf.get(field.type)}(${to.join(", ")}) on delete ${onDelete}`;
    }
  }

  for (const index of indexes) {
    if (index.type === "id") continue;
    const model = models.find((m) => m.name === index.model)!;
    const table = model.dbName ?? model.name;
    const columns = index.fields.map((f) => model.fields.find((x) => x.name === f.name)?.dbName ?? f.name);
    const unique = index.type === "unique";
    const name = index.dbName ?? `${table}_${columns.join("_")}_${unique ? "key" : "idx"}`;
    shape.indexes[name] = `${unique ? "unique " : ""}${table}(${columns.join(", ")})`;
  }
  return shape;
}

// uuid()/cuid() defaults are filled in by Prisma Client, not by the database.
function isDbGenerated(field: DmmfField): boolean {
  const name = (field.default as { name?: string } | undefined)?.name;
  return name === "uuid" || name === "cuid" || name === "nanoid" || name === "ulid";
}

/** What the database actually holds in its public schema (Prisma's own table left out). */
export async function actualShape(client: Client): Promise<SchemaShape> {
  const shape: SchemaShape = { tables: {}, indexes: {}, foreignKeys: {}, enums: {} };
  const columns = await client.query<{ table: string; column: string; type: string; not_null: boolean; default: string | null }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r'
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relname <> '_prisma_migrations'
    ORDER BY c.relname, a.attnum`);
  for (const row of columns.rows) {
    shape.tables[row.table] ??= { columns: {}, primaryKey: [] };
    const defaultKind = row.default === null ? "no default" : row.default.startsWith("nextval(") ? "serial" : "default";
    // format_type names enums with quotes when needed; Prisma's names never need them.
    shape.tables[row.table]!.columns[row.column] = `${row.type.replaceAll('"', "")} ${row.not_null ? "not null" : "null"} ${defaultKind}`;
  }

  const indexes = await client.query<{ table: string; name: string; unique: boolean; primary: boolean; columns: string[] }>(`
    SELECT t.relname AS table, i.relname AS name, x.indisunique AS unique, x.indisprimary AS primary,
           array_agg(a.attname::text ORDER BY k.ord) AS columns
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
    CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE t.relname <> '_prisma_migrations'
    GROUP BY t.relname, i.relname, x.indisunique, x.indisprimary`);
  for (const row of indexes.rows) {
    if (row.primary) shape.tables[row.table]!.primaryKey = row.columns;
    else shape.indexes[row.name] = `${row.unique ? "unique " : ""}${row.table}(${row.columns.join(", ")})`;
  }

  const fks = await client.query<{ name: string; definition: string; table: string }>(`
    SELECT con.conname AS name, rel.relname AS table, pg_get_constraintdef(con.oid) AS definition
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = rel.relnamespace AND n.nspname = 'public'
    WHERE con.contype = 'f'`);
  for (const row of fks.rows) {
    const match = /FOREIGN KEY \((.+?)\) REFERENCES (\S+)\((.+?)\)(?:.*ON DELETE (CASCADE|SET NULL|RESTRICT|SET DEFAULT))?/.exec(row.definition);
    const onDelete = (match?.[4] ?? "NO ACTION").toLowerCase().replace(" ", "");
    const action = onDelete === "noaction" ? "noaction" : onDelete;
    shape.foreignKeys[row.name] = `(${match?.[1]}) -> ${match?.[2]?.replaceAll('"', "")}(${match?.[3]}) on delete ${action}`;
  }

  const enums = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
    JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public'
    GROUP BY t.typname`);
  for (const row of enums.rows) shape.enums[row.name] = row.values;
  return shape;
}
