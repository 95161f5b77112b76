import { ApiError } from '../../kernel';
import { writeSetting } from '../../store';
import { hasPurpose } from '../../vault';
import { SETTINGS, isSettingKey, readAllSettings } from '../settings';
import { needSigner, type Handler } from './types';

export const settingsHandlers: { 'settings.get': Handler<'settings.get'>; 'settings.set': Handler<'settings.set'> } = {
  'settings.get': {
    run: (ctx) => ({ settings: readAllSettings(ctx.db) }),
  },
  'settings.set': {
    run: (ctx, input) => {
      if (!isSettingKey(input.key)) {
        throw new ApiError('INVALID_INPUT', `Unknown setting "${input.key}". Known settings: ${Object.keys(SETTINGS).join(', ')}.`);
      }
      const parsed = SETTINGS[input.key].schema.safeParse(input.value);
      if (!parsed.success)
        throw new ApiError('INVALID_INPUT', `Invalid value for ${input.key}: ${parsed.error.issues[0]?.message ?? 'wrong type'}.`);
      if (
        input.key === 'llm.apiKeyVaultItem' &&
        typeof parsed.data === 'string' &&
        parsed.data !== '' &&
        !hasPurpose(ctx.db, parsed.data, 'llm')
      ) {
        throw new ApiError(
          'POLICY_DENIED',
          `The vault item "${parsed.data}" is not bound to the LLM purpose. Bind it to that purpose first, so no other secret can be sent as the API key.`,
        );
      }
      const signer = needSigner(ctx);
      ctx.change(() => writeSetting(ctx.db, input.key, parsed.data, ctx.actor, ctx.core.clock.now().toISOString(), signer));
      ctx.core.identity.applySettings();
      return { key: input.key, value: parsed.data };
    },
    target: (input) => `setting:${input.key}`,
    details: (input) => ({ value: input.value }),
  },
};
