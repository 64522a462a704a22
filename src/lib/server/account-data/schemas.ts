import { z } from 'zod';
import { currentPassword } from '../account/schemas';

export const deleteAccountSchema = z.object({ password: currentPassword });
