/**
 * The types of Avro schemas and of validation results, shared by the validator and its engine.
 *
 * @module
 */

/** An Avro schema in its JSON form: a type name, a union (array) or a schema object. */
export type AvroSchema = string | readonly AvroSchema[] | { readonly [key: string]: unknown };

/** One field that failed validation. */
export interface AvroIssue {
  /** Dotted field path, for example `listeners.ws.bind` or `auth.plugins[0]`; `""` is the top. */
  path: string;
  /** What is wrong, naming what was expected, for example `42 is not a string`. */
  message: string;
}

/** The outcome of `validateAvro`. */
export interface AvroResult<T> {
  /** The input with defaults filled in (best effort when there are errors). */
  value: T;
  /** Every problem found; empty when the value is valid. */
  errors: AvroIssue[];
}

/** Options of `validateAvro`. */
export interface ValidateOptions {
  /**
   * Maps a key of the input to a record field name before lookup, for example
   * `(k) => k.replaceAll("-", "_")` to accept aMQTT's dashed spelling. Map keys are not mapped.
   */
  fieldKey?: (key: string) => string;
  /**
   * Treat a `null` record field as missing (so it takes its default) when the field's type does
   * not accept null: YAML's `mqtt:` with nothing after it then means "all defaults".
   */
  nullAsMissing?: boolean;
}
