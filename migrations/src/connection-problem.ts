/**
 * What to tell a person whose database cannot be used, from the error of a first query; undefined
 * when the error is something else (then it is shown in full).
 */
export function connectionProblem(error: unknown, url: string): string | undefined {
  const { code, message } = error as { code?: string; message?: string };
  let where: string;
  let database: string;
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '5432'}`;
    database = decodeURIComponent(parsed.pathname.slice(1));
  } catch {
    return `DATABASE_URL is not a valid URL (${JSON.stringify(url)}); expected postgres://user@host:port/database`;
  }
  switch (code) {
    case '3D000':
      return `database "${database}" does not exist on PostgreSQL at ${where}; create it (createdb -h ${where.split(':')[0]} -p ${where.split(':')[1]} ${database}) or set DATABASE_URL; npm run local creates it for you`;
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
      return `cannot reach PostgreSQL at ${where} (${code}); start it (npm run stack:up) or set DATABASE_URL`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused the credentials in DATABASE_URL: ${message ?? code}`;
    default:
      return undefined;
  }
}
