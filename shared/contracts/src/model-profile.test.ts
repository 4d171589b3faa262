import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL_PROFILE,
  MODEL_PROFILE_NAMES,
  MODEL_PROFILES,
  ModelProfile,
  ModelProfileNameSchema,
  modelProfileProvenance,
  resolveModelProfile,
} from './model-profile.ts';

describe('model profiles', () => {
  it('knows the four profiles, each valid, with qwq-32b the default', () => {
    expect(MODEL_PROFILE_NAMES).toEqual(['qwq-32b', 'qwq-32b-preview', 'deepseek-r1-distill', 'qwen3-thinking']);
    for (const name of MODEL_PROFILE_NAMES) expect(ModelProfile.parse(MODEL_PROFILES[name]).name).toBe(name);
    expect(DEFAULT_MODEL_PROFILE).toBe('qwq-32b');
    expect(resolveModelProfile(undefined).name).toBe('qwq-32b');
  });

  it('refuses an unknown name, listing the known ones', () => {
    expect(() => resolveModelProfile('qwq-32')).toThrow(
      'model.profile: unknown profile "qwq-32"; known profiles: qwq-32b, qwq-32b-preview, deepseek-r1-distill, qwen3-thinking',
    );
    expect(() => resolveModelProfile('toString')).toThrow(/unknown profile "toString"/);
    const parsed = ModelProfileNameSchema.safeParse('llama');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/known profiles: qwq-32b, /);
  });

  it('has no thinking markers for QwQ-32B-Preview only', () => {
    expect(MODEL_PROFILES['qwq-32b-preview'].thinking).toBeNull();
    for (const name of ['qwq-32b', 'deepseek-r1-distill', 'qwen3-thinking'] as const)
      expect(MODEL_PROFILES[name].thinking?.close).toBe('</think>');
    for (const name of MODEL_PROFILE_NAMES) {
      const p = MODEL_PROFILES[name];
      expect(p.eosTokens).toContain(p.endOfTurn);
    }
  });

  it('gives a manifest the profile with the hash of its template', () => {
    const p = modelProfileProvenance(MODEL_PROFILES['deepseek-r1-distill']);
    expect(p).toMatchObject({ name: 'deepseek-r1-distill', endOfTurn: '<｜end▁of▁sentence｜>', thinkingClose: '</think>' });
    expect(p.chatTemplateSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(modelProfileProvenance(MODEL_PROFILES['qwq-32b-preview']).thinkingClose).toBeNull();
  });
});
