/**
 * Server-side chat templating, as vLLM does for `/v1/chat/completions`: the model profile's Jinja
 * chat template (verbatim from its tokenizer_config.json) rendered with the generation prompt.
 */
import { type ModelProfile, resolveModelProfile } from '@rft/contracts';
import { Template } from '@huggingface/jinja';
import type { ChatMessageIn, ChatRenderer } from './openai-request.ts';

/** A renderer for the named profile; an unknown name is refused with the known ones listed. */
export function chatRendererFor(profileName: string): ChatRenderer {
  return createChatRenderer(resolveModelProfile(profileName));
}

export function createChatRenderer(profile: ModelProfile): ChatRenderer {
  const template = new Template(profile.chatTemplate);
  return (messages: ChatMessageIn[]) =>
    template.render({ messages, add_generation_prompt: true, bos_token: profile.bosToken, eos_token: profile.endOfTurn });
}
