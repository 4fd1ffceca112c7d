import { ErrorCode, GrinderError } from "../../contracts/errors";

/** A Redis address from `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
export interface RedisAddress {
  url: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
  /** The URL without credentials (for messages and logs). */
  display: string;
}

export function parseRedisUrl(url: string, field = "queue"): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `'${url}' is not a Redis URL (redis://host:port[/db])`, { field });
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `unsupported queue URL scheme '${u.protocol}' (redis:// or rediss://)`, { field });
  if (!u.hostname) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `queue URL '${url}' has no host`, { field });
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, "");
  const db = dbText ? Number(dbText) : 0;
  if (!Number.isInteger(db) || db < 0) throw new GrinderError(ErrorCode.INVALID_ARGUMENT, `queue URL database '${dbText}' is not a non-negative integer`, { field });
  return { url, host: u.hostname, port, db, tls: u.protocol === "rediss:", display: `${u.protocol}//${u.host}${db ? `/${db}` : ""}` };
}
