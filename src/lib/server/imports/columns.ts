/**
 * What each field of an import is called in the exports people bring: our own, SimplePractice,
 * Acuity, Cal.com, Google Contacts and plain spreadsheets. Headers are compared folded (lower
 * case, letters and digits only), so "E-mail 1 - Value" is `email1value`.
 */

export const CLIENT_FIELDS = [
	'name',
	'firstName',
	'lastName',
	'email',
	'phone',
	'notes',
	'tags'
] as const;
export const SESSION_FIELDS = [
	'clientEmail',
	'clientName',
	'clientFirstName',
	'clientLastName',
	'date',
	'startTime',
	'endTime',
	'durationMinutes',
	'timeZone',
	'locationKind',
	'locationDetail',
	'fee',
	'currency',
	'status',
	'paymentStatus',
	'paidOn'
] as const;

export type ClientField = (typeof CLIENT_FIELDS)[number];
export type SessionField = (typeof SESSION_FIELDS)[number];
export type ImportKind = 'clients' | 'sessions';

const firstName = ['firstname', 'givenname', 'first', 'clientfirstname'];
const lastName = ['lastname', 'familyname', 'surname', 'last', 'clientlastname'];

export const CLIENT_ALIASES: Record<ClientField, string[]> = {
	name: ['name', 'fullname', 'clientname', 'client', 'displayname', 'contactname', 'fileas'],
	firstName,
	lastName,
	email: ['email', 'emailaddress', 'email1value', 'primaryemail', 'clientemail', 'mail'],
	phone: [
		'phone',
		'phonenumber',
		'phone1value',
		'mobile',
		'mobilephone',
		'cellphone',
		'telephone',
		'primaryphone',
		'clientphone'
	],
	notes: ['notes', 'note', 'comments', 'comment', 'description'],
	tags: ['tags', 'tag', 'labels', 'groups']
};

export const SESSION_ALIASES: Record<SessionField, string[]> = {
	clientEmail: ['clientemail', 'email', 'emailaddress', 'attendeeemail', 'inviteeemail'],
	clientName: [
		'client',
		'clientname',
		'name',
		'fullname',
		'attendeename',
		'attendee',
		'inviteename'
	],
	clientFirstName: firstName,
	clientLastName: lastName,
	date: ['date', 'sessiondate', 'appointmentdate', 'startdate', 'day'],
	startTime: ['starttime', 'time', 'start', 'startsat', 'appointmenttime', 'startdatetime'],
	endTime: ['endtime', 'end', 'endsat', 'enddatetime'],
	durationMinutes: ['durationminutes', 'duration', 'minutes', 'length', 'durationmins'],
	timeZone: ['timezone', 'tz', 'zone', 'timezoneid'],
	locationKind: ['location', 'locationtype', 'where'],
	locationDetail: ['locationdetail', 'address', 'meetinglink', 'link', 'joinurl', 'videolink'],
	fee: ['fee', 'price', 'appointmentprice', 'amount', 'rate'],
	currency: ['currency'],
	status: ['status', 'sessionstatus', 'appointmentstatus'],
	paymentStatus: ['payment', 'paymentstatus', 'paid'],
	paidOn: ['paidon', 'paiddate', 'paymentdate', 'datepaid']
};

export const fold = (header: string) => header.toLowerCase().replace(/[^a-z0-9]/g, '');

export type Mapping<F extends string> = Record<F, number | null>;

/**
 * Which column each field most likely comes from: the first header matching one of its names,
 * each column used once, in the order the aliases list them (so "Name" goes to the full name
 * before a first name could claim it).
 */
export function guessMapping<F extends string>(
	header: string[],
	aliases: Record<F, string[]>
): Mapping<F> {
	const folded = header.map(fold);
	const used = new Set<number>();
	const mapping = {} as Mapping<F>;
	for (const field of Object.keys(aliases) as F[]) {
		let found: number | null = null;
		for (const alias of aliases[field]) {
			const index = folded.findIndex((name, i) => name === alias && !used.has(i));
			if (index >= 0) {
				found = index;
				break;
			}
		}
		if (found !== null) used.add(found);
		mapping[field] = found;
	}
	return mapping;
}
