import { sql, type Kysely } from 'kysely';

/**
 * A deterministic text description of the public schema (tables, columns, constraints, indexes),
 * committed as `migrations/schema.snapshot.txt` and compared with a freshly migrated database in
 * tests, so a schema change without a migration, or a migration without a snapshot, fails CI.
 */
// biome-ignore lint/suspicious/noExplicitAny: reads any database's catalog
export async function describeSchema(db: Kysely<any>): Promise<string> {
  const columns = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
    column_default: string | null;
    is_identity: string;
  }>`
    SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name NOT LIKE 'schema_migrations%'
    ORDER BY table_name, ordinal_position`.execute(db);
  const constraints = await sql<{ table_name: string; conname: string; def: string }>`
    SELECT c.relname AS table_name, con.conname, pg_get_constraintdef(con.oid) AS def
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname NOT LIKE 'schema_migrations%'
    ORDER BY c.relname, con.conname`.execute(db);
  const indexes = await sql<{ tablename: string; indexdef: string }>`
    SELECT tablename, indexdef FROM pg_indexes
    WHERE schemaname = 'public' AND tablename NOT LIKE 'schema_migrations%'
    ORDER BY tablename, indexname`.execute(db);

  const lines: string[] = [];
  let table = '';
  for (const c of columns.rows) {
    if (c.table_name !== table) {
      table = c.table_name;
      lines.push('', `table ${table}`);
    }
    const nullability = c.is_nullable === 'YES' ? 'null' : 'not null';
    const extra = c.is_identity === 'YES' ? ' identity' : c.column_default ? ` default ${c.column_default}` : '';
    lines.push(`  column ${c.column_name} ${c.data_type} ${nullability}${extra}`);
  }
  lines.push('');
  for (const c of constraints.rows) lines.push(`constraint ${c.table_name}.${c.conname} ${c.def}`);
  lines.push('');
  for (const i of indexes.rows) lines.push(`index ${i.indexdef}`);
  return lines.join('\n').trim() + '\n';
}
