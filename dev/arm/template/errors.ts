/** Errors of the template language, with ARM's codes. */

/** A template the emulator cannot evaluate: ARM's InvalidTemplate (at validation or while deploying). */
export class TemplateError extends Error {
  readonly code = "InvalidTemplate";
}

export function invalid(message: string): TemplateError {
  return new TemplateError(message);
}

/** ARM's answer for a function it does not know; the emulator also gives it for one it does not evaluate. */
export function unsupportedFunction(name: string): TemplateError {
  return new TemplateError(
    `The template function '${name}' is not valid or not supported by the ARM emulator. Please see https://aka.ms/arm-functions for usage details.`,
  );
}
