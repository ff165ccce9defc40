/** The scope that may act for any user. Its own module so that the CLI can name it without loading the auth plugin. */
export const ADMIN_SCOPE = 'schema:admin';
