import { readdirSync } from 'node:fs'
import path from 'node:path'
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

// Module boundaries (docs/decisions/0006-module-boundaries.md). Paths are relative to the repository
// root. Zones are built for every folder under src/, so a new feature is covered the day it appears.
const root = import.meta.dirname
const adr = 'See docs/decisions/0006-module-boundaries.md.'
const srcFolders = readdirSync(path.join(root, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()

/** What src/web may import from src/ (besides itself): the shared layers, never a feature or an entry point. */
const webMayImport = [
  'domain',
  'db',
  'security',
  'errors.ts',
  'config.ts',
  'logger.ts',
  'paths.ts',
  'paths-on-disk.ts',
]

const boundaryZones = [
  {
    // 1. The domain is pure: only src/domain itself, and packages (those are policed by
    //    no-restricted-imports below).
    target: 'src/domain',
    from: '.',
    except: ['./src/domain', './node_modules'],
    message: `src/domain is pure: it imports nothing from outside src/domain. ${adr}`,
  },
  {
    // 2. The web layer is shared plumbing: it knows no feature.
    target: 'src/web',
    from: 'src',
    except: ['./web', ...webMayImport.map((name) => `./${name}`)],
    message: `src/web imports only ${webMayImport.join(', ')}: no feature folder and no entry point. ${adr}`,
  },
  // 3. A feature's routes.ts is imported only from inside that feature, and by src/app.ts, which
  //    mounts the routers.
  ...srcFolders.map((folder) => ({
    target: [`src/!(${folder})/**`, 'src/!(app).ts', '!(src)/**', '*'],
    from: `src/${folder}/routes.ts`,
    message: `Only src/app.ts (and src/${folder}/ itself) imports src/${folder}/routes.ts. ${adr}`,
  })),
  // 4. routes.ts goes through services: never the database, never another feature's repo.ts
  //    (knex itself is policed by no-restricted-imports below).
  {
    target: 'src/*/routes.ts',
    from: 'src/db',
    message: `routes.ts does not touch the database: go through a service. ${adr}`,
  },
  ...srcFolders.map((folder) => ({
    target: `src/${folder}/routes.ts`,
    from: srcFolders.filter((other) => other !== folder).map((other) => `src/${other}/repo.ts`),
    message: `routes.ts does not import another feature's repo.ts: go through that feature's service. ${adr}`,
  })),
  {
    // 5. Migrations are frozen history: they never depend on application code that keeps changing.
    target: 'migrations',
    from: 'src',
    message: `Migrations never import application code from src/. ${adr}`,
  },
]

/**
 * The no-restricted-paths setting, also allowing the `allowed` files (repository-relative): each is
 * dropped from a zone's `from` list, or added to the zone's `except` when it lies inside the zone's
 * `from` folder. Used only in a config object for one file, so zones not targeting it do not matter.
 */
function restrictedPaths(allowed = []) {
  const zones = boundaryZones.flatMap((zone) => {
    const from = [zone.from].flat().filter((entry) => !allowed.includes(entry))
    if (from.length === 0) return []
    const except = allowed
      .map((file) => path.posix.relative(from[0], file))
      .filter((relative) => from.length === 1 && !relative.startsWith('..'))
      .map((relative) => `./${relative}`)
    return [
      {
        ...zone,
        from: from.length === 1 ? from[0] : from,
        ...(except.length > 0 && { except: [...(zone.except ?? []), ...except] }),
      },
    ]
  })
  return ['error', { basePath: root, zones }]
}

// Imports that cross a boundary today, by importing file. KNOWN VIOLATIONS, TO BE REMOVED: they are
// listed only so that the boundary holds for everything else. When one is fixed, delete it here.
/** Files allowed, for now, to cross a boundary, each with the modules it may reach. None today. */
const knownBoundaryViolations = {}

const databasePackages = ['knex', 'knex/*', 'pg', 'pg/*', 'pg-*', 'sqlite3', 'sqlite3/*']
const webPackages = ['express', 'express-*', 'ejs', 'helmet', 'csrf-sync', 'busboy']
const ioModules = ['fs', 'fs/*', 'http', 'https', 'net', 'child_process'].flatMap((name) => [
  name,
  `node:${name}`,
])

export default tseslint.config(
  {
    ignores: ['node_modules', 'dist', 'data', 'public', 'test-results', 'coverage'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs'] } },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
    },
  },
  {
    plugins: { 'import-x': importX },
    settings: {
      // Resolves the `.js` specifiers of NodeNext imports to the `.ts` files they name.
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': restrictedPaths(),
    },
  },
  {
    // 4 (continued). A route reaches the database only through a service, never `services.db`.
    files: ['src/**/routes.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='services'][property.name='db']",
          message:
            'routes.ts does not touch the database: go through a service. See docs/decisions/0006-module-boundaries.md',
        },
      ],
    },
  },
  ...Object.entries(knownBoundaryViolations).map(([file, allowed]) => ({
    files: [file],
    rules: { 'import-x/no-restricted-paths': restrictedPaths(allowed) },
  })),
  {
    // 1. The domain is pure. (The only no-restricted-imports setting for these files: a later one would replace it.)
    files: ['src/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                ...databasePackages,
                ...webPackages,
                'nodemailer',
                'nodemailer/*',
                'pino',
                ...ioModules,
              ],
              message: `src/domain is pure: no database, web, mail, logging, file or network packages. ${adr}`,
            },
          ],
        },
      ],
    },
  },
  {
    // 4. routes.ts never touches the database driver. (The only no-restricted-imports setting for these files.)
    files: ['src/**/routes.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: databasePackages,
              message: `routes.ts does not touch the database: go through a service. ${adr}`,
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read raw rows back from the database to check what was stored.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
)
