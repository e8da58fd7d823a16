package verify

import (
	"sort"
	"strings"
)

// Level is how serious a report message is.
type Level string

// Message levels.
const (
	LevelInfo    Level = "INFO"
	LevelWarning Level = "WARNING"
	LevelError   Level = "ERROR"
)

// Message is one finding of a validation. Code is stable and may be relied
// on by scripts; Text is the English rendering, and Args are the values put
// into it, so that Localize can render it in another language.
type Message struct {
	Level Level             `json:"level"`
	Code  string            `json:"code"`
	Text  string            `json:"text"`
	Args  map[string]string `json:"args,omitempty"`
}

// catalogue holds every message text, by code and then by language (BCP 47
// primary tag). Placeholders are {name}. English is required; other
// languages fall back to it.
var catalogue = map[string]map[string]string{
	// File level.
	"FILE_UNREADABLE":    {"en": "The file could not be read as a signature: {error}."},
	"NO_SIGNATURE":       {"en": "The file holds no signature."},
	"CONTENT_REQUIRED":   {"en": "The signature is detached: give the signed file as well (--content)."},
	"CONTENT_UNEXPECTED": {"en": "The signature carries its own content; the separate content given was ignored."},

	// Integrity.
	"DIGEST_MATCH": {"en": "The signed data is intact: its {alg} digest matches the signature.",
		"ru": "Подписанные данные не изменены: их хэш {alg} совпадает с подписью.",
		"ky": "Кол коюлган маалымат өзгөрүлгөн эмес: анын {alg} хэши кол тамгага дал келет.",
		"kk": "Қол қойылған деректер өзгермеген: олардың {alg} хэші қолтаңбаға сәйкес."},
	"DIGEST_MISMATCH": {"en": "The signed data was changed after signing: its {alg} digest does not match the signature.",
		"ru": "Подписанные данные изменены после подписания: их хэш {alg} не совпадает с подписью.",
		"ky": "Кол коюлган маалымат кол коюлгандан кийин өзгөртүлгөн: анын {alg} хэши кол тамгага дал келбейт.",
		"kk": "Қол қойылған деректер қол қойылғаннан кейін өзгертілген: олардың {alg} хэші қолтаңбаға сәйкес емес."},
	"SIGNATURE_VALID": {"en": "The signature value verifies with the signer's public key ({alg}).",
		"ru": "Значение подписи проверено открытым ключом подписанта ({alg}).",
		"ky": "Кол тамганын мааниси кол коюучунун ачык ачкычы менен текшерилди ({alg}).",
		"kk": "Қолтаңба мәні қол қоюшының ашық кілтімен тексерілді ({alg})."},
	"SIGNATURE_INVALID":     {"en": "The signature value does not verify with the signer's public key: {error}."},
	"SIGNED_ATTRS_MISSING":  {"en": "The signature has no signed attributes, so the signing certificate is not bound to it."},
	"CONTENT_TYPE_MISMATCH": {"en": "The content-type attribute does not match the signed content's type."},
	"MALFORMED_SIGNATURE":   {"en": "The signature is malformed: {error}."},

	// Signer identification.
	"SIGNER_CERT_NOT_FOUND":     {"en": "The signer's certificate is not in the signature or the configured certificates."},
	"SIGNING_CERT_REF_MISSING":  {"en": "The signature does not name its signing certificate (signing-certificate-v2 attribute), as CAdES and PAdES require."},
	"SIGNING_CERT_REF_MISMATCH": {"en": "The signing certificate named inside the signature is not the certificate supplied with it: the certificate may have been substituted."},
	"SIGNING_CERT_REF_MATCH":    {"en": "The signing-certificate attribute binds the signature to the signer's certificate."},
	"CLAIMED_SIGNING_TIME":      {"en": "The signer claims to have signed at {time}; this claim is not proof."},

	// Time-stamps.
	"TIMESTAMP_VALID":             {"en": "A time-stamp by {tsa} proves the signature existed at {time}."},
	"TIMESTAMP_INVALID":           {"en": "The signature time-stamp is not valid ({error}); the validation time is used instead."},
	"TIMESTAMP_UNTRUSTED":         {"en": "The time-stamp authority {tsa} does not chain to a trusted root ({error}); the time-stamp is ignored."},
	"TIMESTAMP_NONE":              {"en": "The signature has no time-stamp: certificates are checked at the validation time, {time}."},
	"ARCHIVE_TIMESTAMP_VALID":     {"en": "An archive time-stamp by {tsa} protects the signature and its validation data since {time}."},
	"ARCHIVE_TIMESTAMP_UNTRUSTED": {"en": "An archive time-stamp of {time} verifies, but its authority {tsa} is not trusted ({error}); it proves nothing."},
	"ARCHIVE_TIMESTAMP_INVALID":   {"en": "An archive time-stamp does not verify ({error}); it proves nothing."},
	"TIMESTAMP_BEFORE_SIGNING":    {"en": "The time-stamp is earlier than the time the signer claims to have signed."},

	// Certificate chain.
	"CHAIN_VALID": {"en": "The certificate of {subject} chains to the trusted root {root}.",
		"ru": "Сертификат {subject} восходит к доверенному корневому сертификату {root}.",
		"ky": "{subject} сертификаты ишенимдүү {root} тамыр сертификатына чейин текшерилди.",
		"kk": "{subject} сертификаты сенімді {root} түбір сертификатына дейін тексерілді."},
	"CHAIN_NOT_FOUND":    {"en": "The certificate of {subject} does not chain to a trusted root: {error}. Add the issuing CA's root with --trust if you trust it."},
	"CERT_EXPIRED":       {"en": "The certificate {subject} expired on {notAfter}, before {time}, and nothing proves the signature is older."},
	"CERT_NOT_YET_VALID": {"en": "The certificate {subject} is valid only from {notBefore}, after {time}."},
	"KEY_USAGE_INVALID":  {"en": "The signer's certificate is not for signing documents: it allows neither digitalSignature nor nonRepudiation key usage."},
	"NON_REPUDIATION":    {"en": "The signer's certificate is for non-repudiation (qualified electronic signatures)."},

	// Revocation.
	"REVOCATION_GOOD":         {"en": "The certificate {subject} was not revoked ({source}, issued {time})."},
	"REVOKED":                 {"en": "The certificate {subject} was revoked on {time} (reason: {reason}), before the signature is proved to exist."},
	"REVOKED_AFTER_POE":       {"en": "The certificate {subject} was revoked on {time}, after the time-stamp proves the signature existed; the signature stays valid."},
	"REVOKED_NO_POE":          {"en": "The certificate {subject} was revoked on {time} and nothing proves the signature was made before that; add a time-stamp when signing (level B-T or higher)."},
	"REVOCATION_UNKNOWN":      {"en": "No usable revocation data for {subject}: {error}. Try again with --online, or ask the signer for a B-LT signature."},
	"REVOCATION_ONLINE_OFF":   {"en": "Revocation data for {subject} was not fetched from {url}: fetching is off (use --online, or allow the host on the server)."},
	"REVOCATION_FETCH_FAILED": {"en": "Revocation data for {subject} could not be fetched from {url}: {error}."},
	"REVOCATION_RESPONSE_BAD": {"en": "Revocation data for {subject} from {source} was rejected: {error}."},

	// Algorithms.
	"ALGORITHM_REJECTED": {"en": "The {what} algorithm {alg} is not accepted by the validation policy."},
	"KEY_TOO_SMALL":      {"en": "The {bits}-bit RSA key of {subject} is below the policy's minimum of {min} bits."},

	// PDF.
	"PDF_BYTERANGE_INVALID":  {"en": "The signature's byte range is invalid: {error}."},
	"PDF_CHANGES_ALLOWED":    {"en": "Later revisions only add what the rules allow: {what}."},
	"PDF_CHANGES_DISALLOWED": {"en": "The document was changed after this signature in a way that alters what a reader sees: {what}."},
	"PDF_OBJECT_UNREADABLE":  {"en": "An object of the file could not be read: {error}."},
	"PDF_COVERS_WHOLE":       {"en": "The signature covers the whole document."},
	"PDF_NOT_WHOLE_DOCUMENT": {"en": "The signature covers revision {revision} of {revisions}; later revisions were added after signing."},
}

// newMessage renders a catalogue entry in English. args alternate name and
// value.
func newMessage(level Level, code string, args ...string) Message {
	m := Message{Level: level, Code: code}
	if len(args) > 0 {
		m.Args = make(map[string]string, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			m.Args[args[i]] = args[i+1]
		}
	}
	m.Text = m.Localize("en")
	return m
}

// Localize renders the message in the language lang (a BCP 47 tag such as
// "ky", "ru-KG" or "kk"), falling back to English when the catalogue has no
// translation.
func (m Message) Localize(lang string) string {
	texts, ok := catalogue[m.Code]
	if !ok {
		return m.Text
	}
	primary := strings.ToLower(lang)
	if i := strings.IndexAny(primary, "-_"); i >= 0 {
		primary = primary[:i]
	}
	tmpl, ok := texts[primary]
	if !ok {
		tmpl = texts["en"]
	}
	if len(m.Args) == 0 {
		return tmpl
	}
	// Replace longer names first so that {time} cannot eat part of {timestamp}.
	names := make([]string, 0, len(m.Args))
	for k := range m.Args {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	pairs := make([]string, 0, 2*len(names))
	for _, k := range names {
		pairs = append(pairs, "{"+k+"}", m.Args[k])
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}

// MessageCodes returns every message code in the catalogue, sorted, so that
// translators and tests can walk it.
func MessageCodes() []string {
	codes := make([]string, 0, len(catalogue))
	for c := range catalogue {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}
