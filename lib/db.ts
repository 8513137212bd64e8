import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { serverEnv } from "@/lib/env";

// Two clients per process, each with its own pool: db() for everything that changes state and
// for pages, viewerDb() for live log viewers and log downloads. Viewers only ever wait for their
// own few connections, so no number of them can starve a build of the connections it writes
// with. Kept on globalThis so dev-mode reloads do not open new pools.
const holder = globalThis as unknown as { kilnPrisma?: PrismaClient; kilnViewerPrisma?: PrismaClient };

export type Database = PrismaClient;

/**
 * A connection that could not be had: the pool stayed full for its whole wait, or the
 * connection failed without a code. pg reports these as bare Errors; the pool gives them a type
 * so callers can tell "try again" from "this query is wrong".
 */
export class ConnectionUnavailableError extends Error {
  override name = "ConnectionUnavailableError";
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

function typedConnectError(error: unknown): unknown {
  if (sqlState(error) || isSocketError(error)) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  // Shaped like a socket timeout so Prisma's adapter reports it as P1008 instead of passing a
  // bare Error through.
  return Object.assign(new ConnectionUnavailableError(`No database connection: ${cause.message}`, { cause }), {
    code: "ETIMEDOUT",
    syscall: "connect",
    errno: -110,
  });
}

class KilnPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (!callback) {
      return super.connect().catch((error: unknown) => {
        throw typedConnectError(error);
      });
    }
    super.connect((error, client, done) => callback(error ? (typedConnectError(error) as Error) : undefined, client, done));
  }
}

function prismaClient(max: number, connectionTimeoutMillis: number): PrismaClient {
  const pool = new KilnPool({ connectionString: serverEnv().DATABASE_URL, max, connectionTimeoutMillis });
  // An idle connection that the server drops is removed by the pool; do not crash on it.
  pool.on("error", () => undefined);
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

export function db(): PrismaClient {
  holder.kilnPrisma ??= prismaClient(serverEnv().KILN_DB_POOL_SIZE, 5000);
  return holder.kilnPrisma;
}

/** The small pool live viewers and log downloads share; they queue for it rather than fail. */
export function viewerDb(): PrismaClient {
  holder.kilnViewerPrisma ??= prismaClient(serverEnv().KILN_DB_VIEWER_POOL_SIZE, 30_000);
  return holder.kilnViewerPrisma;
}

/** Closes both pools (tests, and a clean shutdown). */
export async function disconnectAll(): Promise<void> {
  const clients = [holder.kilnPrisma, holder.kilnViewerPrisma];
  holder.kilnPrisma = undefined;
  holder.kilnViewerPrisma = undefined;
  await Promise.all(clients.map((client) => client?.$disconnect()));
}

/**
 * A connection of its own, outside Prisma's pool: for LISTEN and for session-level advisory
 * locks, which must stay on one connection for as long as they are held.
 */
export async function dedicatedConnection(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: serverEnv().DATABASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

// Prisma's codes for a database that is away, slow or busy: not reachable, timed out,
// connection closed, pool timeout, transaction could not start or expired, write conflict or
// deadlock, too many connections.
const TRANSIENT_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028", "P2034", "P2037"]);
// What Prisma's driver adapter calls the same conditions.
const TRANSIENT_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections", "TransactionWriteConflict"]);
const TRANSIENT_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);

/** PostgreSQL states worth retrying: connection (08), resources (53), shutdown (57P0x), serialisation and deadlock. */
function isTransientSqlState(state: string): boolean {
  return state.startsWith("08") || state.startsWith("53") || /^57P0[1-4]$/.test(state) || state === "40001" || state === "40P01";
}

function isSocketError(error: unknown): boolean {
  const e = error as { code?: unknown; syscall?: unknown } | null;
  return typeof e?.code === "string" && typeof e.syscall === "string";
}

/** The SQLSTATE of a pg error, directly or inside Prisma's error metadata. */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError) return error.code;
  const adapter = adapterCause(error);
  const code = adapter?.originalCode ?? adapter?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

interface AdapterCause {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
}

/** The driver adapter's description of the failure, when Prisma kept it. */
function adapterCause(error: unknown): AdapterCause | undefined {
  const direct = (error as { cause?: AdapterCause } | null)?.cause;
  if (direct && typeof direct === "object" && "kind" in direct) return direct;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: AdapterCause } } } | null)?.meta;
  return meta?.driverAdapterError?.cause;
}

/**
 * A failure that says nothing about the query, only that the database was away, busy or slow
 * just then: retrying later is right. Classified by Prisma's error class and code, the driver
 * adapter's kind, PostgreSQL's SQLSTATE and Node's socket codes, never by message.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (error instanceof ConnectionUnavailableError) return true;
  if (error instanceof Prisma.PrismaClientInitializationError) return TRANSIENT_PRISMA_CODES.has(error.errorCode ?? "");
  if (error instanceof Prisma.PrismaClientKnownRequestError && TRANSIENT_PRISMA_CODES.has(error.code)) return true;
  const kind = adapterCause(error)?.kind;
  if (typeof kind === "string" && TRANSIENT_ADAPTER_KINDS.has(kind)) return true;
  const state = sqlState(error);
  if (state) return isTransientSqlState(state);
  if (isSocketError(error)) return TRANSIENT_SOCKET_CODES.has((error as { code: string }).code);
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof Error && cause !== error ? isTransientDatabaseError(cause) : false;
}
