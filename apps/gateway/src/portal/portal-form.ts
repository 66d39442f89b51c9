import { RefundCategories, RefundCategory, RefundKind, RefundKinds, RefundLimits } from '@credit-hub/contracts';

/**
 * The refund form of the portal: reading the posted fields and saying, next to each field, what
 * is wrong. Pure; the same bounds as `RequestRefundCommand`, so what passes here passes there.
 * Every problem is reported at once (the contract's validation stops at the first).
 */

/** The form's fields as the customer filled them (kept to show the form again). */
export interface RefundFormValues {
  requestKey: string;
  kind: RefundKind;
  lotId: string;
  tried: string;
  didNotWork: string;
  wouldBringBack: string;
  category: string;
  rating: string;
}

/** Fields a message can be attached to, in the order of the form. */
export type RefundFormField = 'tried' | 'didNotWork' | 'wouldBringBack' | 'category' | 'rating' | 'form';

/** The validated form. */
export interface RefundForm {
  requestKey: string;
  kind: RefundKind;
  lotId?: string;
  tried: string;
  didNotWork: string;
  wouldBringBack: string;
  category: RefundCategory;
  rating?: number;
}

export type RefundFormResult =
  | { ok: true; form: RefundForm; values: RefundFormValues }
  | { ok: false; errors: Partial<Record<RefundFormField, string>>; values: RefundFormValues };

const idPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
const max = RefundLimits.feedbackLengthMax;

/** The three required text answers, with the message shown when one is missing. */
export const feedbackQuestions: { field: 'tried' | 'didNotWork' | 'wouldBringBack'; label: string; hint: string; missing: string }[] = [
  { field: 'tried', label: 'What did you try?', hint: 'For example the task you gave it, or the feature you used.', missing: 'Tell us what you tried' },
  { field: 'didNotWork', label: "What didn't work?", hint: 'What went wrong, or what you expected instead.', missing: "Tell us what didn't work" },
  { field: 'wouldBringBack', label: 'What would bring you back?', hint: 'A fix, a feature, a price: anything that would make you try again.', missing: 'Tell us what would bring you back' },
];

/** The categories with the words the form shows. */
export const categoryLabels: Record<RefundCategory, string> = {
  quality: 'Quality of the results',
  speed: 'Speed',
  price: 'Price',
  bug: 'A bug',
  missing_feature: 'A missing feature',
  other: 'Something else',
};

/** Reads a posted (urlencoded) body. A repeated field counts as its first value. */
export function readRefundForm(body: unknown): RefundFormResult {
  const raw = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const field = (name: string): string => {
    const value = Array.isArray(raw[name]) ? (raw[name] as unknown[])[0] : raw[name];
    return typeof value === 'string' ? value : '';
  };
  const kindText = field('kind');
  const values: RefundFormValues = {
    requestKey: field('requestKey'),
    kind: (RefundKinds as readonly string[]).includes(kindText) ? (kindText as RefundKind) : 'credits',
    lotId: field('lotId'),
    tried: field('tried'),
    didNotWork: field('didNotWork'),
    wouldBringBack: field('wouldBringBack'),
    category: field('category'),
    rating: field('rating'),
  };
  const errors: Partial<Record<RefundFormField, string>> = {};
  if (!idPattern.test(values.requestKey) || !(RefundKinds as readonly string[]).includes(kindText)) {
    errors.form = 'This form is out of date. Open it again from your refund page.';
  }
  if (values.kind === 'money' && !idPattern.test(values.lotId)) errors.form = 'Choose the purchase to refund from your refund page.';
  for (const question of feedbackQuestions) {
    const text = values[question.field].trim();
    if (text.length === 0) errors[question.field] = question.missing;
    else if (text.length > max) errors[question.field] = `Keep it under ${max} characters (now ${text.length})`;
  }
  if (!(RefundCategories as readonly string[]).includes(values.category)) errors.category = 'Choose what the main problem was';
  if (values.rating !== '' && !/^[1-5]$/.test(values.rating)) errors.rating = 'Choose a rating from 1 to 5, or no rating';
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  const form: RefundForm = {
    requestKey: values.requestKey,
    kind: values.kind,
    tried: values.tried.trim(),
    didNotWork: values.didNotWork.trim(),
    wouldBringBack: values.wouldBringBack.trim(),
    category: values.category as RefundCategory,
  };
  if (values.kind === 'money') form.lotId = values.lotId;
  if (values.rating !== '') form.rating = Number(values.rating);
  return { ok: true, form, values };
}
