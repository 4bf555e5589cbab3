/** Airlock's version, shown by `airlock --version` and the app. */
export const VERSION = '0.1.0'
