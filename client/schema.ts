/**
 * Generated from openapi.yaml by `npm run sdk` (openapi-typescript). Do not edit: change the route
 * schemas, then run `npm run openapi && npm run sdk`. A test fails when this file drifts.
 */

export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description Answers 200 while the process runs, also while it drains for a shutdown. Needs no token.
         */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description 503 NOT_READY when the database provider cannot be used (e.g. DATA_DIR is not writable); 503 SHUTTING_DOWN from SIGTERM on, while the process drains. Needs no token.
         */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/schema/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The application's schema versions
         * @description Every version in the registry, oldest first, and which one is current. Any valid token may read it.
         */
        get: operations["listSchemaVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/user/initialize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign-in: create or sync the user's database
         * @description Creates the user's database on first sign-in (at the latest schema), otherwise brings it to the current schema version. An up-to-date user costs at most one database read. If the sync fails, the answer is still 200 with `schema_synced: false` and an `error` naming the cause; the database is left as it was.
         */
        post: operations["initializeUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/user/sync-schema/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Bring the user's database to the current schema version
         * @description Compares the user's database with the current schema version and applies the difference in one atomic batch. 404 when the user has no database, 409 when the database records a newer version than this application, 500 with code APPLY_FAILED (and the failing statement) when applying fails; the database is then unchanged. Takes no body: one sent is ignored.
         */
        post: operations["syncUserSchema"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/user/schema-version/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The schema version of the user's database
         * @description Reads the newest audit row of the user's database (one read) and compares it with the current version. 404 when the user has no database.
         */
        get: operations["getUserSchemaVersion"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/user/schema-plan/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Dry run: the statements a sync of the user's database would run
         * @description Introspects the database and plans the change to the current version without applying it: the ordered statements, which of them are destructive, and what would be kept (skipped). 404 for an unknown user, 409 when the database is ahead of the application.
         */
        get: operations["planUserSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Error */
        ErrorResponse: {
            /** @description The HTTP status, repeated. */
            statusCode: number;
            /** @description The HTTP status text. */
            error: string;
            /** @description What went wrong, for a human. */
            message: string;
            /**
             * @description Stable machine-readable cause.
             * @enum {string}
             */
            code: "INVALID_REQUEST" | "INVALID_USER_ID" | "INVALID_JSON" | "UNSUPPORTED_MEDIA_TYPE" | "BODY_TOO_LARGE" | "TOKEN_MISSING" | "TOKEN_EXPIRED" | "TOKEN_INVALID" | "FORBIDDEN" | "RATE_LIMITED" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "USER_NOT_FOUND" | "DATABASE_AHEAD" | "INVALID_RECORDED_VERSION" | "CONCURRENT_CHANGE" | "APPLY_FAILED" | "INTERNAL_ERROR" | "NOT_READY" | "PROVIDER_UNAVAILABLE" | "JWKS_UNAVAILABLE" | "SHUTTING_DOWN";
            /** @description APPLY_FAILED: the SQL statement that failed. */
            statement?: string;
            /** @description APPLY_FAILED: its 0-based position in the plan. */
            statement_index?: number;
            /** @description DATABASE_AHEAD: the version the database records. */
            recorded_version?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is up. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok"
                     *     }
                     */
                    "application/json": {
                        /** @enum {string} */
                        status: "ok";
                    };
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve users. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ready",
                     *       "schema_version": "1.1.0",
                     *       "provider": "local"
                     *     }
                     */
                    "application/json": {
                        /** @enum {string} */
                        status: "ready";
                        /** @description The application's current schema version. */
                        schema_version: string;
                        /** @description Where user databases live (local or turso). */
                        provider: string;
                    };
                };
            };
            /**
             * @description Not ready, or the database provider or the identity provider's keys are unavailable.
             *
             *     - `NOT_READY`: the service cannot use its database provider (e.g. DATA_DIR is not writable)
             *     - `SHUTTING_DOWN`: the process is draining for a shutdown (SIGTERM): requests are still served, but send new work elsewhere
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listSchemaVersions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The registry. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "current_version": "1.1.0",
                     *       "versions": [
                     *         {
                     *           "version": "1.0.0",
                     *           "description": "Initial trading schema: accounts, portfolios, positions, trades and watchlists",
                     *           "created_at": "2024-01-15T10:30:00.000Z",
                     *           "checksum": "2ffafc8b3c1234d20cca7aee575dd310180e09484c1fb9c6c1bb993f4b43a97f",
                     *           "is_current": false
                     *         },
                     *         {
                     *           "version": "1.1.0",
                     *           "description": "Price alerts, trade fees and notes, account base currency, cascading positions",
                     *           "created_at": "2024-03-01T09:00:00.000Z",
                     *           "checksum": "04e35dce273bd38b63976f041e7b3d6d9e45668b41078dcf1118d3a3b35473d1",
                     *           "is_current": true
                     *         }
                     *       ]
                     *     }
                     */
                    "application/json": {
                        current_version: string;
                        /** @description Ascending by semver. */
                        versions: {
                            /** @description Semantic version. */
                            version: string;
                            description: string;
                            /** @description Fixed in the version. */
                            created_at: string;
                            /** @description sha256 of the normalised desired schema. */
                            checksum: string;
                            is_current: boolean;
                        }[];
                    };
                };
            };
            /**
             * @description No valid bearer token.
             *
             *     - `TOKEN_MISSING`: no `Authorization: Bearer <token>` header
             *     - `TOKEN_EXPIRED`: the token has expired
             *     - `TOKEN_INVALID`: the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`
             */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Too many requests; nothing was done. Retry after `Retry-After` seconds.
             *
             *     - `RATE_LIMITED`: too many requests in the window (RATE_LIMIT_WINDOW_MS) from this client address (RATE_LIMIT_IP_MAX, before authentication) or for this token's user on /api/user/* (RATE_LIMIT_USER_MAX); nothing was done: retry after `Retry-After` seconds
             */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Not ready, or the database provider or the identity provider's keys are unavailable.
             *
             *     - `JWKS_UNAVAILABLE`: JWT_JWKS_URL is set and the identity provider's keys (JWKS) could not be fetched, so the token could not be checked; it may well be valid: retry (`Retry-After`: when the next fetch will be tried), do not sign the user out
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    initializeUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "ada@example.com",
                 *       "user_id": "user_2abcXYZ"
                 *     }
                 */
                "application/json": {
                    /**
                     * Format: email
                     * @description The user's email address. Validated, not stored.
                     * @example ada@example.com
                     */
                    email: string;
                    /**
                     * @description The user's id as the identity provider issues it (the token's `sub`): 1–128 printable ASCII characters, no spaces, no `/` or `\`, not `.` or `..`.
                     * @example user_2abcXYZ
                     * @example auth0|5f7c8ec7
                     * @example google-oauth2|1098
                     * @example 3f2b8c1e-9d4a-4b7e-8f00-1c2d3e4f5a6b
                     * @example a.b@example.com
                     */
                    user_id: string;
                };
            };
        };
        responses: {
            /** @description The user's database credentials and whether its schema is current. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": true,
                     *       "message": "User database created at schema 1.1.0",
                     *       "database_url": "file:///srv/schema-sync/data/user_5f2abc_58_59_5a.db",
                     *       "database_token": "",
                     *       "schema_synced": true,
                     *       "schema_version": "1.1.0"
                     *     }
                     */
                    "application/json": {
                        /** @description True when the user can use their database (even if its schema could not be synced). */
                        success: boolean;
                        message: string;
                        /** @description URL of the user's database (`file:` locally, `libsql://` on Turso). */
                        database_url: string;
                        /** @description Token for that database; empty when none is needed (local files). */
                        database_token: string;
                        /** @description True when the database is at the current schema version. */
                        schema_synced: boolean;
                        /** @description The schema version the database is at after this call (null when it records none). */
                        schema_version: string | null;
                        /** @description Present only when `schema_synced` is false: why the schema could not be synced. */
                        error?: {
                            /** @enum {string} */
                            code: "DATABASE_AHEAD" | "INVALID_RECORDED_VERSION" | "APPLY_FAILED" | "CONCURRENT_CHANGE" | "INTERNAL_ERROR";
                            message: string;
                            /** @description APPLY_FAILED: the statement that failed. */
                            statement?: string;
                            statement_index?: number;
                            /** @description DATABASE_AHEAD: the version the database records. */
                            recorded_version?: string;
                        };
                    };
                };
            };
            /**
             * @description Bad input; nothing was read or written.
             *
             *     - `INVALID_USER_ID`: the user id is empty, longer than 128 characters, or has a space, a control or non-ASCII character, `/` or `\`, or is `.` or `..`
             *     - `INVALID_REQUEST`: the body or query string does not match the schema (a missing or extra field, a bad email)
             *     - `INVALID_JSON`: the body is not valid JSON
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No valid bearer token.
             *
             *     - `TOKEN_MISSING`: no `Authorization: Bearer <token>` header
             *     - `TOKEN_EXPIRED`: the token has expired
             *     - `TOKEN_INVALID`: the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`
             */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description This token may not act on this user.
             *
             *     - `FORBIDDEN`: the token is for another user (`sub`) and lacks the `schema:admin` scope
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Body too large.
             *
             *     - `BODY_TOO_LARGE`: the body is larger than BODY_LIMIT
             */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Wrong content type.
             *
             *     - `UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`
             */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Too many requests; nothing was done. Retry after `Retry-After` seconds.
             *
             *     - `RATE_LIMITED`: too many requests in the window (RATE_LIMIT_WINDOW_MS) from this client address (RATE_LIMIT_IP_MAX, before authentication) or for this token's user on /api/user/* (RATE_LIMIT_USER_MAX); nothing was done: retry after `Retry-After` seconds
             */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description The request failed on the server.
             *
             *     - `INTERNAL_ERROR`: an unexpected error; the details are in the service log, not in the answer
             */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Not ready, or the database provider or the identity provider's keys are unavailable.
             *
             *     - `JWKS_UNAVAILABLE`: JWT_JWKS_URL is set and the identity provider's keys (JWKS) could not be fetched, so the token could not be checked; it may well be valid: retry (`Retry-After`: when the next fetch will be tried), do not sign the user out
             *     - `PROVIDER_UNAVAILABLE`: the database provider's API (Turso) kept failing or refused the service's credentials; nothing was changed, retry later (`Retry-After`: the provider's own when it sent one)
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    syncUserSchema: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's id as the identity provider issues it (the token's `sub`): 1–128 printable ASCII characters, no spaces, no `/` or `\`, not `.` or `..`. */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The database is at the current version. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "success": true,
                     *       "message": "Schema synced from 1.0.0 to 1.1.0 (9 statements)",
                     *       "schema_version": "1.1.0",
                     *       "synced_at": "2025-01-01T12:00:00.000Z"
                     *     }
                     */
                    "application/json": {
                        success: boolean;
                        message: string;
                        /** @description The version the database is at now (the current one). */
                        schema_version: string;
                        /**
                         * Format: date-time
                         * @description When this sync ran (the applied_at of the audit row when it applied).
                         */
                        synced_at: string;
                    };
                };
            };
            /**
             * @description Bad input; nothing was read or written.
             *
             *     - `INVALID_USER_ID`: the user id is empty, longer than 128 characters, or has a space, a control or non-ASCII character, `/` or `\`, or is `.` or `..`
             *     - `INVALID_REQUEST`: the path is not valid percent-encoding: a `%` without two hex digits after it (`%`, `%zz`), or escapes that do not decode as UTF-8 (`%E9`)
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No valid bearer token.
             *
             *     - `TOKEN_MISSING`: no `Authorization: Bearer <token>` header
             *     - `TOKEN_EXPIRED`: the token has expired
             *     - `TOKEN_INVALID`: the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`
             */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description This token may not act on this user.
             *
             *     - `FORBIDDEN`: the token is for another user (`sub`) and lacks the `schema:admin` scope
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No such user.
             *
             *     - `USER_NOT_FOUND`: the user has no database yet (initialize the user first)
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Refused: the database is not in a state this application may change.
             *
             *     - `DATABASE_AHEAD`: the user's database records a newer schema version than this application knows; it is left alone
             *     - `INVALID_RECORDED_VERSION`: the user's database records, in its schema_version table, a version that is not semver; it is left alone
             *     - `CONCURRENT_CHANGE`: another applier kept changing the database while this one tried; retry
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Too many requests; nothing was done. Retry after `Retry-After` seconds.
             *
             *     - `RATE_LIMITED`: too many requests in the window (RATE_LIMIT_WINDOW_MS) from this client address (RATE_LIMIT_IP_MAX, before authentication) or for this token's user on /api/user/* (RATE_LIMIT_USER_MAX); nothing was done: retry after `Retry-After` seconds
             */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description The request failed on the server.
             *
             *     - `APPLY_FAILED`: a statement of the plan failed; the database is unchanged, and the body names the statement
             *     - `INTERNAL_ERROR`: an unexpected error; the details are in the service log, not in the answer
             */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Not ready, or the database provider or the identity provider's keys are unavailable.
             *
             *     - `JWKS_UNAVAILABLE`: JWT_JWKS_URL is set and the identity provider's keys (JWKS) could not be fetched, so the token could not be checked; it may well be valid: retry (`Retry-After`: when the next fetch will be tried), do not sign the user out
             *     - `PROVIDER_UNAVAILABLE`: the database provider's API (Turso) kept failing or refused the service's credentials; nothing was changed, retry later (`Retry-After`: the provider's own when it sent one)
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getUserSchemaVersion: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user's id as the identity provider issues it (the token's `sub`): 1–128 printable ASCII characters, no spaces, no `/` or `\`, not `.` or `..`. */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The recorded and the current schema version. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "user_schema_version": "1.0.0",
                     *       "user_schema_description": "Initial trading schema: accounts, portfolios, positions, trades and watchlists",
                     *       "user_schema_created_at": "2024-01-15T10:30:00.000Z",
                     *       "current_app_version": "1.1.0",
                     *       "current_app_description": "Price alerts, trade fees and notes, account base currency, cascading positions",
                     *       "is_up_to_date": false
                     *     }
                     */
                    "application/json": {
                        user_schema_version: string | null;
                        user_schema_description: string | null;
                        user_schema_created_at: string | null;
                        current_app_version: string;
                        current_app_description: string;
                        is_up_to_date: boolean;
                    };
                };
            };
            /**
             * @description Bad input; nothing was read or written.
             *
             *     - `INVALID_USER_ID`: the user id is empty, longer than 128 characters, or has a space, a control or non-ASCII character, `/` or `\`, or is `.` or `..`
             *     - `INVALID_REQUEST`: the path is not valid percent-encoding: a `%` without two hex digits after it (`%`, `%zz`), or escapes that do not decode as UTF-8 (`%E9`)
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No valid bearer token.
             *
             *     - `TOKEN_MISSING`: no `Authorization: Bearer <token>` header
             *     - `TOKEN_EXPIRED`: the token has expired
             *     - `TOKEN_INVALID`: the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`
             */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description This token may not act on this user.
             *
             *     - `FORBIDDEN`: the token is for another user (`sub`) and lacks the `schema:admin` scope
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No such user.
             *
             *     - `USER_NOT_FOUND`: the user has no database yet (initialize the user first)
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Too many requests; nothing was done. Retry after `Retry-After` seconds.
             *
             *     - `RATE_LIMITED`: too many requests in the window (RATE_LIMIT_WINDOW_MS) from this client address (RATE_LIMIT_IP_MAX, before authentication) or for this token's user on /api/user/* (RATE_LIMIT_USER_MAX); nothing was done: retry after `Retry-After` seconds
             */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Not ready, or the database provider or the identity provider's keys are unavailable.
             *
             *     - `JWKS_UNAVAILABLE`: JWT_JWKS_URL is set and the identity provider's keys (JWKS) could not be fetched, so the token could not be checked; it may well be valid: retry (`Retry-After`: when the next fetch will be tried), do not sign the user out
             *     - `PROVIDER_UNAVAILABLE`: the database provider's API (Turso) kept failing or refused the service's credentials; nothing was changed, retry later (`Retry-After`: the provider's own when it sent one)
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    planUserSchema: {
        parameters: {
            query?: {
                /** @description Plan as if drops were allowed (tables and columns the schema lacks). Sync itself never drops unless a version allows it. */
                allow_destructive?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description The user's id as the identity provider issues it (the token's `sub`): 1–128 printable ASCII characters, no spaces, no `/` or `\`, not `.` or `..`. */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The plan; nothing was changed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "user_id": "user_2abcXYZ",
                     *       "from_version": "1.0.0",
                     *       "to_version": "1.1.0",
                     *       "up_to_date": false,
                     *       "destructive": false,
                     *       "steps": [
                     *         {
                     *           "kind": "add_column",
                     *           "object": "accounts.base_currency",
                     *           "sql": "ALTER TABLE \"accounts\" ADD COLUMN \"base_currency\" TEXT NOT NULL DEFAULT 'USD'",
                     *           "destructive": false,
                     *           "reason": "new column"
                     *         },
                     *         {
                     *           "kind": "add_column",
                     *           "object": "trades.fees",
                     *           "sql": "ALTER TABLE \"trades\" ADD COLUMN \"fees\" REAL NOT NULL DEFAULT 0 CHECK (fees >= 0)",
                     *           "destructive": false,
                     *           "reason": "new column"
                     *         }
                     *       ],
                     *       "skipped": [],
                     *       "warnings": []
                     *     }
                     */
                    "application/json": {
                        user_id: string;
                        /** @description The version the database records (null when none). */
                        from_version: string | null;
                        to_version: string;
                        /** @description True when the database records the current version and the plan is empty. */
                        up_to_date: boolean;
                        /** @description True when any step is destructive. */
                        destructive: boolean;
                        /** @description In execution order; applied as one atomic batch. */
                        steps: {
                            /** @description What the step does, e.g. create_table, add_column, rebuild_table, create_index. */
                            kind: string;
                            /** @description The table, `table.column`, index, view or trigger it acts on. */
                            object: string;
                            sql: string;
                            /** @description True when the step deletes stored data or an object. */
                            destructive: boolean;
                            reason: string;
                        }[];
                        /** @description What the database has that the schema lacks, kept because dropping it is not allowed. */
                        skipped: {
                            kind: string;
                            object: string;
                            reason: string;
                        }[];
                        warnings: string[];
                    };
                };
            };
            /**
             * @description Bad input; nothing was read or written.
             *
             *     - `INVALID_USER_ID`: the user id is empty, longer than 128 characters, or has a space, a control or non-ASCII character, `/` or `\`, or is `.` or `..`
             *     - `INVALID_REQUEST`: the query string has a parameter other than `allow_destructive`, or that is not `true` or `false`
             *     - `INVALID_REQUEST`: the path is not valid percent-encoding: a `%` without two hex digits after it (`%`, `%zz`), or escapes that do not decode as UTF-8 (`%E9`)
             */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No valid bearer token.
             *
             *     - `TOKEN_MISSING`: no `Authorization: Bearer <token>` header
             *     - `TOKEN_EXPIRED`: the token has expired
             *     - `TOKEN_INVALID`: the token is malformed, wrongly signed, unsigned (`alg: none`) or has no `sub`
             */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description This token may not act on this user.
             *
             *     - `FORBIDDEN`: the token is for another user (`sub`) and lacks the `schema:admin` scope
             */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description No such user.
             *
             *     - `USER_NOT_FOUND`: the user has no database yet (initialize the user first)
             */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Refused: the database is not in a state this application may change.
             *
             *     - `DATABASE_AHEAD`: the user's database records a newer schema version than this application knows; it is left alone
             *     - `INVALID_RECORDED_VERSION`: the user's database records, in its schema_version table, a version that is not semver; it is left alone
             *     - `CONCURRENT_CHANGE`: another applier kept changing the database while this one tried; retry
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Too many requests; nothing was done. Retry after `Retry-After` seconds.
             *
             *     - `RATE_LIMITED`: too many requests in the window (RATE_LIMIT_WINDOW_MS) from this client address (RATE_LIMIT_IP_MAX, before authentication) or for this token's user on /api/user/* (RATE_LIMIT_USER_MAX); nothing was done: retry after `Retry-After` seconds
             */
            429: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /**
             * @description Not ready, or the database provider or the identity provider's keys are unavailable.
             *
             *     - `JWKS_UNAVAILABLE`: JWT_JWKS_URL is set and the identity provider's keys (JWKS) could not be fetched, so the token could not be checked; it may well be valid: retry (`Retry-After`: when the next fetch will be tried), do not sign the user out
             *     - `PROVIDER_UNAVAILABLE`: the database provider's API (Turso) kept failing or refused the service's credentials; nothing was changed, retry later (`Retry-After`: the provider's own when it sent one)
             */
            503: {
                headers: {
                    /** @description Seconds to wait before trying again, sent with RATE_LIMITED, NOT_READY, PROVIDER_UNAVAILABLE, JWKS_UNAVAILABLE, SHUTTING_DOWN. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
}
