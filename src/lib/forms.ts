/** The message a form shows above its fields: an outcome, or a problem not tied to one field. */
export type FormMessage = { kind: 'success' | 'error'; text: string };
