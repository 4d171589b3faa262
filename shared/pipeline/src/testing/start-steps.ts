/**
 * START's front steps as tests write them: greedy sampling, Hint-infer on the questions greedy got
 * wrong, and Hint-RFT selection over both, on one model and question file.
 */
export function startFrontSteps(model: string, questions: string) {
  return {
    greedy: { kind: 'campaign', model, questions, recipe: 'greedy' },
    hint: {
      kind: 'campaign',
      model,
      questions,
      recipe: 'hint-infer',
      admit: { step: 'greedy', questions: 'graded-wrong' },
    },
    'seed-select': { kind: 'select', policy: 'hint-rft', greedy: 'greedy', hint: 'hint' },
  } as const;
}
