import { describe, expect, it } from 'vitest';
import { createChatTemplate, resolveChatTemplate } from './chat-template.ts';

describe('chat template', () => {
  it('renders the bundled QwQ-style template with the thinking generation prompt', () => {
    const t = resolveChatTemplate(undefined);
    expect(t.eosToken).toBe('<|im_end|>');
    expect(t.render([{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }])).toBe(
      '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n',
    );
  });

  it('drops the thinking of earlier assistant turns as the real template does', () => {
    const t = resolveChatTemplate(undefined);
    const out = t.render([{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'hidden</think>\n\nA' }, { role: 'user', content: 'Q2' }]);
    expect(out).toContain('<|im_start|>assistant\nA<|im_end|>');
    expect(out).not.toContain('hidden');
  });

  it('names a broken template', () => {
    expect(() => createChatTemplate({ chat_template: '{% for x in %}' })).toThrow(/chat_template does not parse/);
    const failing = createChatTemplate({ chat_template: "{{ raise_exception('no system role') }}" });
    expect(() => failing.render([{ role: 'user', content: 'Q' }])).toThrow(/chat template failed to render/);
  });
});
