import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Knex } from 'knex'
import type { Db } from './knex.js'

const migrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url))

interface MigrationModule {
  up(knex: Knex): Promise<void>
  down(knex: Knex): Promise<void>
}

/**
 * Reads migrations from the migrations folder whether it holds the TypeScript sources (tests, CLI)
 * or the compiled JavaScript (npm start). Names are recorded without extension so both agree.
 */
class FolderMigrationSource implements Knex.MigrationSource<string> {
  getMigrations(): Promise<string[]> {
    const files = readdirSync(migrationsDir)
      .filter((f) => /^\d{14}_[\w-]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .sort()
    return Promise.resolve(files)
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js)$/, '')
  }

  async getMigration(file: string): Promise<MigrationModule> {
    return (await import(new URL(file, `file://${migrationsDir}`).href)) as MigrationModule
  }
}

const migrationConfig: Knex.MigratorConfig = {
  migrationSource: new FolderMigrationSource(),
  tableName: 'knex_migrations',
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest(migrationConfig)) as [number, string[]]
  return applied
}

/** Migrations on disk the database has not run: none means its schema is the one this code expects. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [, pending] = (await db.migrate.list(migrationConfig)) as [unknown[], string[]]
  return pending
}

export async function migrateRollbackAll(db: Db): Promise<void> {
  await db.migrate.rollback(migrationConfig, true)
}
