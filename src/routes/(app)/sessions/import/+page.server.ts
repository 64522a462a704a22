import type { Actions } from './$types';
import { importActions } from '$lib/server/imports/form-actions';

export const actions: Actions = importActions('sessions');
