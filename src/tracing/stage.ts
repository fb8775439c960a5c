/**
 * The little of tracing that the rest of dqc sees: a span per stage, its attributes and its
 * failure. No OpenTelemetry import here, so code that may be traced (notifications, metrics
 * delivery) costs nothing when tracing is off: it gets NO_SPAN.
 */

export type AttributeValue = string | number | boolean | string[] | number[];
export type Attributes = Record<string, AttributeValue | null | undefined>;

export interface StageSpan {
  /** Sets attributes; null and undefined values are left out. */
  set(attributes: Attributes): void;
  /** Marks the stage failed: status ERROR with `message`, and an exception event for `err`. */
  fail(message: string, err?: unknown): void;
  /** Runs `fn` in a child span named `name`, ended when `fn` settles (failed if it throws). */
  stage<T>(name: string, attributes: Attributes, fn: (span: StageSpan) => Promise<T>): Promise<T>;
}

export const NO_SPAN: StageSpan = {
  set() {},
  fail() {},
  stage: (_name, _attributes, fn) => fn(NO_SPAN),
};
