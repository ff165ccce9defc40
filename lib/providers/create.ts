/** The provider the configuration names: local files under DATA_DIR, or Turso's Platform API. */
import type { AppConfig } from '../config/load.js';
import { createLocalProvider } from './local.js';
import { createTursoProvider } from './turso.js';
import type { DatabaseProvider } from './types.js';

export function createProvider(config: AppConfig): DatabaseProvider {
  switch (config.dbProvider) {
    case 'local':
      return createLocalProvider({ dataDir: config.dataDir, busyTimeoutMs: config.busyTimeoutMs });
    case 'turso': {
      const turso = config.turso;
      if (turso === null) throw new Error('DB_PROVIDER=turso without its TURSO_* configuration');
      return createTursoProvider({
        apiUrl: turso.apiUrl,
        apiToken: turso.apiToken,
        org: turso.org,
        group: turso.group,
        tls: turso.tls,
        groupToken: turso.groupToken,
        tokenExpiration: turso.tokenExpiration,
      });
    }
  }
}
