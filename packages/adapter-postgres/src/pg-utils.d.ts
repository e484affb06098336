/** `pg`'s parameter encoding (untyped in `@types/pg`): what the pool sends for a JavaScript value. */
declare module 'pg/lib/utils.js' {
  const utils: {
    /** Text for PostgreSQL to parse (dates, arrays and objects as `pg` writes them), a Buffer for bytes, or null. */
    prepareValue(value: unknown): string | Buffer | null
  }
  export default utils
}
