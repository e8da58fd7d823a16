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
	"FILE_UNREADABLE": {"en": "The file could not be read as a signature: {error}.",
		"ru": "Файл не удалось прочитать как подпись: {error}.",
		"ky": "Файлды кол тамга катары окуу мүмкүн болгон жок: {error}.",
		"kk": "Файлды қолтаңба ретінде оқу мүмкін болмады: {error}."},
	"NO_SIGNATURE": {"en": "The file holds no signature.",
		"ru": "В файле нет подписи.",
		"ky": "Файлда кол тамга жок.",
		"kk": "Файлда қолтаңба жоқ."},
	"CONTENT_REQUIRED": {"en": "The signature is detached: give the signed file as well (--content).",
		"ru": "Подпись отсоединённая: укажите также подписанный файл (--content).",
		"ky": "Кол тамга өзүнчө: кол коюлган файлды да бериңиз (--content).",
		"kk": "Қолтаңба бөлек: қол қойылған файлды да беріңіз (--content)."},
	"CONTENT_UNEXPECTED": {"en": "The signature carries its own content; the separate content given was ignored.",
		"ru": "Подпись содержит подписанные данные в себе; отдельно переданный файл не учитывался.",
		"ky": "Кол тамганын ичинде кол коюлган маалымат бар; өзүнчө берилген файл эске алынган жок.",
		"kk": "Қолтаңбаның ішінде қол қойылған деректер бар; бөлек берілген файл ескерілмеді."},

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
	"SIGNATURE_INVALID": {"en": "The signature value does not verify with the signer's public key: {error}.",
		"ru": "Значение подписи не проходит проверку открытым ключом подписанта: {error}.",
		"ky": "Кол тамганын мааниси кол коюучунун ачык ачкычы менен текшерүүдөн өткөн жок: {error}.",
		"kk": "Қолтаңба мәні қол қоюшының ашық кілтімен тексеруден өтпеді: {error}."},
	"SIGNED_ATTRS_MISSING": {"en": "The signature has no signed attributes, so the signing certificate is not bound to it.",
		"ru": "В подписи нет подписанных атрибутов, поэтому сертификат подписанта не привязан к ней.",
		"ky": "Кол тамгада кол коюлган атрибуттар жок, ошондуктан кол коюучунун сертификаты ага байланган эмес.",
		"kk": "Қолтаңбада қол қойылған атрибуттар жоқ, сондықтан қол қоюшының сертификаты оған байланбаған."},
	"CONTENT_TYPE_MISMATCH": {"en": "The content-type attribute does not match the signed content's type.",
		"ru": "Атрибут типа данных (content-type) не совпадает с типом подписанных данных.",
		"ky": "Маалыматтын түрү атрибуту (content-type) кол коюлган маалыматтын түрүнө дал келбейт.",
		"kk": "Деректер түрі атрибуты (content-type) қол қойылған деректердің түріне сәйкес келмейді."},
	"MALFORMED_SIGNATURE": {"en": "The signature is malformed: {error}.",
		"ru": "Подпись повреждена или составлена неверно: {error}.",
		"ky": "Кол тамга бузулган же туура эмес түзүлгөн: {error}.",
		"kk": "Қолтаңба бүлінген немесе дұрыс құрылмаған: {error}."},

	// Signer identification.
	"SIGNER_CERT_NOT_FOUND": {"en": "The signer's certificate is not in the signature or the configured certificates.",
		"ru": "Сертификат подписанта не найден ни в подписи, ни среди заданных сертификатов.",
		"ky": "Кол коюучунун сертификаты кол тамганын ичинде да, берилген сертификаттардын арасында да табылган жок.",
		"kk": "Қол қоюшының сертификаты қолтаңбаның ішінде де, берілген сертификаттардың арасында да табылмады."},
	"SIGNING_CERT_REF_MISSING": {"en": "The signature does not name its signing certificate (signing-certificate-v2 attribute), as CAdES and PAdES require.",
		"ru": "Подпись не указывает свой сертификат (атрибут signing-certificate-v2), хотя этого требуют CAdES и PAdES.",
		"ky": "Кол тамга CAdES жана PAdES талап кылгандай өзүнүн сертификатын көрсөтпөйт (signing-certificate-v2 атрибуту).",
		"kk": "Қолтаңба CAdES және PAdES талап еткендей өз сертификатын көрсетпейді (signing-certificate-v2 атрибуты)."},
	"SIGNING_CERT_REF_MISMATCH": {"en": "The signing certificate named inside the signature is not the certificate supplied with it: the certificate may have been substituted.",
		"ru": "Сертификат, указанный внутри подписи, не совпадает с приложенным к ней: сертификат мог быть подменён.",
		"ky": "Кол тамганын ичинде көрсөтүлгөн сертификат аны менен берилген сертификатка дал келбейт: сертификат алмаштырылган болушу мүмкүн.",
		"kk": "Қолтаңбаның ішінде көрсетілген сертификат онымен бірге берілген сертификатқа сәйкес емес: сертификат ауыстырылған болуы мүмкін."},
	"SIGNING_CERT_REF_MATCH": {"en": "The signing-certificate attribute binds the signature to the signer's certificate.",
		"ru": "Атрибут signing-certificate связывает подпись с сертификатом подписанта.",
		"ky": "signing-certificate атрибуту кол тамганы кол коюучунун сертификатына байлайт.",
		"kk": "signing-certificate атрибуты қолтаңбаны қол қоюшының сертификатына байлайды."},
	"CLAIMED_SIGNING_TIME": {"en": "The signer claims to have signed at {time}; this claim is not proof.",
		"ru": "Подписант указал время подписания {time}; это указание не является доказательством.",
		"ky": "Кол коюучу кол коюу убактысын {time} деп көрсөткөн; бул далил эмес.",
		"kk": "Қол қоюшы қол қою уақытын {time} деп көрсеткен; бұл дәлел емес."},

	// Time-stamps.
	"TIMESTAMP_VALID": {"en": "A time-stamp by {tsa} proves the signature existed at {time}.",
		"ru": "Метка времени от {tsa} подтверждает, что подпись существовала на {time}.",
		"ky": "{tsa} берген убакыт белгиси кол тамга {time} абалында болгонун далилдейт.",
		"kk": "{tsa} берген уақыт белгісі қолтаңбаның {time} кезінде болғанын дәлелдейді."},
	"TIMESTAMP_INVALID": {"en": "The signature time-stamp is not valid ({error}); the validation time is used instead.",
		"ru": "Метка времени подписи недействительна ({error}); вместо неё используется время проверки.",
		"ky": "Кол тамганын убакыт белгиси жараксыз ({error}); анын ордуна текшерүү убактысы колдонулат.",
		"kk": "Қолтаңбаның уақыт белгісі жарамсыз ({error}); оның орнына тексеру уақыты қолданылады."},
	"TIMESTAMP_UNTRUSTED": {"en": "The time-stamp authority {tsa} does not chain to a trusted root ({error}); the time-stamp is ignored.",
		"ru": "Сертификат службы меток времени {tsa} не восходит к доверенному корневому сертификату ({error}); метка времени не учитывается.",
		"ky": "{tsa} убакыт белгисин берүүчүнүн сертификаты ишенимдүү тамыр сертификатка чейин текшерилген жок ({error}); убакыт белгиси эске алынбайт.",
		"kk": "{tsa} уақыт белгісін берушінің сертификаты сенімді түбір сертификатқа дейін тексерілмеді ({error}); уақыт белгісі ескерілмейді."},
	"TIMESTAMP_NONE": {"en": "The signature has no time-stamp: certificates are checked at the validation time, {time}.",
		"ru": "У подписи нет метки времени: сертификаты проверяются на время проверки, {time}.",
		"ky": "Кол тамгада убакыт белгиси жок: сертификаттар текшерүү убактысына, {time}, карата текшерилет.",
		"kk": "Қолтаңбада уақыт белгісі жоқ: сертификаттар тексеру уақытына, {time}, қарай тексеріледі."},
	"ARCHIVE_TIMESTAMP_VALID": {"en": "An archive time-stamp by {tsa} protects the signature and its validation data since {time}.",
		"ru": "Архивная метка времени от {tsa} защищает подпись и данные для её проверки с {time}.",
		"ky": "{tsa} берген архивдик убакыт белгиси кол тамганы жана аны текшерүү маалыматын {time} тартып коргойт.",
		"kk": "{tsa} берген мұрағаттық уақыт белгісі қолтаңбаны және оны тексеру деректерін {time} бастап қорғайды."},
	"ARCHIVE_TIMESTAMP_UNTRUSTED": {"en": "An archive time-stamp of {time} verifies, but its authority {tsa} is not trusted ({error}); it proves nothing.",
		"ru": "Архивная метка времени от {time} проверена, но выдавшая её служба {tsa} не является доверенной ({error}); она ничего не подтверждает.",
		"ky": "{time} убактагы архивдик убакыт белгиси текшерилди, бирок аны берген {tsa} ишенимдүү эмес ({error}); ал эч нерсени далилдебейт.",
		"kk": "{time} уақыттағы мұрағаттық уақыт белгісі тексерілді, бірақ оны берген {tsa} сенімді емес ({error}); ол ештеңені дәлелдемейді."},
	"ARCHIVE_TIMESTAMP_INVALID": {"en": "An archive time-stamp does not verify ({error}); it proves nothing.",
		"ru": "Архивная метка времени не проходит проверку ({error}); она ничего не подтверждает.",
		"ky": "Архивдик убакыт белгиси текшерүүдөн өткөн жок ({error}); ал эч нерсени далилдебейт.",
		"kk": "Мұрағаттық уақыт белгісі тексеруден өтпеді ({error}); ол ештеңені дәлелдемейді."},
	"TIMESTAMP_BEFORE_SIGNING": {"en": "The time-stamp is earlier than the time the signer claims to have signed.",
		"ru": "Метка времени раньше времени подписания, указанного подписантом.",
		"ky": "Убакыт белгиси кол коюучу көрсөткөн кол коюу убактысынан эрте.",
		"kk": "Уақыт белгісі қол қоюшы көрсеткен қол қою уақытынан ерте."},

	// Certificate chain.
	"CHAIN_VALID": {"en": "The certificate of {subject} chains to the trusted root {root}.",
		"ru": "Сертификат {subject} восходит к доверенному корневому сертификату {root}.",
		"ky": "{subject} сертификаты ишенимдүү {root} тамыр сертификатына чейин текшерилди.",
		"kk": "{subject} сертификаты сенімді {root} түбір сертификатына дейін тексерілді."},
	"CHAIN_NOT_FOUND": {"en": "The certificate of {subject} does not chain to a trusted root: {error}. Add the issuing CA's root with --trust if you trust it.",
		"ru": "Сертификат {subject} не восходит к доверенному корневому сертификату: {error}. Если вы доверяете выдавшему его удостоверяющему центру, добавьте его корневой сертификат через --trust.",
		"ky": "{subject} сертификаты ишенимдүү тамыр сертификатка чейин текшерилген жок: {error}. Аны берген күбөлөндүрүүчү борборго ишенсеңиз, анын тамыр сертификатын --trust менен кошуңуз.",
		"kk": "{subject} сертификаты сенімді түбір сертификатқа дейін тексерілмеді: {error}. Оны берген куәландырушы орталыққа сенсеңіз, оның түбір сертификатын --trust арқылы қосыңыз."},
	"CERT_EXPIRED": {"en": "The certificate {subject} expired on {notAfter}, before {time}, and nothing proves the signature is older.",
		"ru": "Срок действия сертификата {subject} истёк {notAfter}, раньше {time}, и ничто не подтверждает, что подпись сделана до этого.",
		"ky": "{subject} сертификатынын мөөнөтү {notAfter} бүткөн, бул {time} мурун, жана кол тамга андан мурун коюлганын эч нерсе далилдебейт.",
		"kk": "{subject} сертификатының мерзімі {notAfter} өткен, бұл {time} бұрын, және қолтаңба одан бұрын қойылғанын ештеңе дәлелдемейді."},
	"CERT_NOT_YET_VALID": {"en": "The certificate {subject} is valid only from {notBefore}, after {time}.",
		"ru": "Сертификат {subject} действует только с {notBefore}, то есть позже {time}.",
		"ky": "{subject} сертификаты {notBefore} тартып гана жарактуу, бул {time} кийин.",
		"kk": "{subject} сертификаты тек {notBefore} бастап жарамды, бұл {time} кейін."},
	"KEY_USAGE_INVALID": {"en": "The signer's certificate is not for signing documents: it allows neither digitalSignature nor nonRepudiation key usage.",
		"ru": "Сертификат подписанта не предназначен для подписания документов: в нём нет назначения ключа digitalSignature или nonRepudiation.",
		"ky": "Кол коюучунун сертификаты документтерге кол коюу үчүн эмес: анда digitalSignature же nonRepudiation ачкыч дайындоосу жок.",
		"kk": "Қол қоюшының сертификаты құжаттарға қол қоюға арналмаған: онда digitalSignature немесе nonRepudiation кілт тағайындауы жоқ."},
	"NON_REPUDIATION": {"en": "The signer's certificate is for non-repudiation (qualified electronic signatures).",
		"ru": "Сертификат подписанта предназначен для неотказуемости (квалифицированная электронная подпись).",
		"ky": "Кол коюучунун сертификаты кол коюудан баш тартууга жол бербейт (квалификацияланган электрондук кол тамга).",
		"kk": "Қол қоюшының сертификаты қол қоюдан бас тартуға жол бермейді (білікті электрондық қолтаңба)."},

	// Revocation.
	"REVOCATION_GOOD": {"en": "The certificate {subject} was not revoked ({source}, issued {time}).",
		"ru": "Сертификат {subject} не отозван ({source}, выдано {time}).",
		"ky": "{subject} сертификаты кайтарылып алынган эмес ({source}, {time} берилген).",
		"kk": "{subject} сертификаты кері қайтарылмаған ({source}, {time} берілген)."},
	"REVOKED": {"en": "The certificate {subject} was revoked on {time} (reason: {reason}), before the signature is proved to exist.",
		"ru": "Сертификат {subject} отозван {time} (причина: {reason}), раньше, чем подтверждено существование подписи.",
		"ky": "{subject} сертификаты {time} кайтарылып алынган (себеби: {reason}), кол тамга бар экени далилденгенге чейин.",
		"kk": "{subject} сертификаты {time} кері қайтарылған (себебі: {reason}), қолтаңбаның бар екені дәлелденгенге дейін."},
	"REVOKED_AFTER_POE": {"en": "The certificate {subject} was revoked on {time}, after the time-stamp proves the signature existed; the signature stays valid.",
		"ru": "Сертификат {subject} отозван {time}, а метка времени подтверждает, что подпись существовала раньше; подпись остаётся действительной.",
		"ky": "{subject} сертификаты {time} кайтарылып алынган, бирок убакыт белгиси кол тамга андан мурун болгонун далилдейт; кол тамга жарактуу бойдон калат.",
		"kk": "{subject} сертификаты {time} кері қайтарылған, бірақ уақыт белгісі қолтаңбаның одан бұрын болғанын дәлелдейді; қолтаңба жарамды болып қалады."},
	"REVOKED_NO_POE": {"en": "The certificate {subject} was revoked on {time} and nothing proves the signature was made before that; add a time-stamp when signing (level B-T or higher).",
		"ru": "Сертификат {subject} отозван {time}, и ничто не подтверждает, что подпись сделана раньше; при подписании добавляйте метку времени (уровень B-T или выше).",
		"ky": "{subject} сертификаты {time} кайтарылып алынган жана кол тамга андан мурун коюлганын эч нерсе далилдебейт; кол коюуда убакыт белгисин кошуңуз (B-T же андан жогору деңгээл).",
		"kk": "{subject} сертификаты {time} кері қайтарылған және қолтаңба одан бұрын қойылғанын ештеңе дәлелдемейді; қол қою кезінде уақыт белгісін қосыңыз (B-T немесе одан жоғары деңгей)."},
	"REVOCATION_UNKNOWN": {"en": "No usable revocation data for {subject}: {error}. Try again with --online, or ask the signer for a B-LT signature.",
		"ru": "Нет пригодных данных об отзыве для {subject}: {error}. Повторите проверку с --online или попросите у подписанта подпись уровня B-LT.",
		"ky": "{subject} үчүн кайтарып алуу тууралуу жарактуу маалымат жок: {error}. --online менен кайра текшериңиз же кол коюучудан B-LT деңгээлиндеги кол тамганы сураңыз.",
		"kk": "{subject} үшін кері қайтару туралы жарамды деректер жоқ: {error}. --online арқылы қайта тексеріңіз немесе қол қоюшыдан B-LT деңгейіндегі қолтаңбаны сұраңыз."},
	"REVOCATION_ONLINE_OFF": {"en": "Revocation data for {subject} was not fetched from {url}: fetching is off (use --online, or allow the host on the server).",
		"ru": "Данные об отзыве для {subject} не загружены с {url}: загрузка отключена (используйте --online или разрешите этот адрес на сервере).",
		"ky": "{subject} үчүн кайтарып алуу тууралуу маалымат {url} дарегинен алынган жок: жүктөө өчүрүлгөн (--online колдонуңуз же серверде бул дарекке уруксат бериңиз).",
		"kk": "{subject} үшін кері қайтару туралы деректер {url} мекенжайынан алынбады: жүктеу өшірілген (--online қолданыңыз немесе серверде бұл мекенжайға рұқсат беріңіз)."},
	"REVOCATION_FETCH_FAILED": {"en": "Revocation data for {subject} could not be fetched from {url}: {error}.",
		"ru": "Не удалось получить данные об отзыве для {subject} с {url}: {error}.",
		"ky": "{subject} үчүн кайтарып алуу тууралуу маалыматты {url} дарегинен алуу мүмкүн болгон жок: {error}.",
		"kk": "{subject} үшін кері қайтару туралы деректерді {url} мекенжайынан алу мүмкін болмады: {error}."},
	"REVOCATION_RESPONSE_BAD": {"en": "Revocation data for {subject} from {source} was rejected: {error}.",
		"ru": "Данные об отзыве для {subject} из {source} отклонены: {error}.",
		"ky": "{subject} үчүн {source} берген кайтарып алуу тууралуу маалымат четке кагылды: {error}.",
		"kk": "{subject} үшін {source} берген кері қайтару туралы деректер қабылданбады: {error}."},

	// Algorithms. {what} is an English technical word ("digest",
	// "signature"), so the translations show it in parentheses rather than
	// inflect it.
	"ALGORITHM_REJECTED": {"en": "The {what} algorithm {alg} is not accepted by the validation policy.",
		"ru": "Алгоритм {alg} ({what}) не допускается политикой проверки.",
		"ky": "{alg} алгоритми ({what}) текшерүү саясаты боюнча кабыл алынбайт.",
		"kk": "{alg} алгоритмі ({what}) тексеру саясаты бойынша қабылданбайды."},
	"KEY_TOO_SMALL": {"en": "The {bits}-bit RSA key of {subject} is below the policy's minimum of {min} bits.",
		"ru": "Ключ RSA {subject} длиной {bits} бит короче минимальной длины по политике проверки ({min} бит).",
		"ky": "{subject} RSA ачкычынын узундугу {bits} бит, бул текшерүү саясатындагы эң аз узундуктан ({min} бит) кыска.",
		"kk": "{subject} RSA кілтінің ұзындығы {bits} бит, бұл тексеру саясатындағы ең аз ұзындықтан ({min} бит) қысқа."},

	// PDF.
	"PDF_BYTERANGE_INVALID": {"en": "The signature's byte range is invalid: {error}.",
		"ru": "Диапазон байтов подписи (ByteRange) неверен: {error}.",
		"ky": "Кол тамганын байт диапазону (ByteRange) туура эмес: {error}.",
		"kk": "Қолтаңбаның байт ауқымы (ByteRange) дұрыс емес: {error}."},
	"PDF_CHANGES_ALLOWED": {"en": "Later revisions only add what the rules allow: {what}.",
		"ru": "Последующие редакции добавляют только то, что разрешают правила: {what}.",
		"ky": "Кийинки редакциялар эрежелер уруксат берген нерсени гана кошот: {what}.",
		"kk": "Кейінгі редакциялар ережелер рұқсат еткенді ғана қосады: {what}."},
	"PDF_CHANGES_DISALLOWED": {"en": "The document was changed after this signature in a way that alters what a reader sees: {what}.",
		"ru": "После этой подписи документ изменён так, что меняется то, что видит читатель: {what}.",
		"ky": "Бул кол тамгадан кийин документ окурман көргөн мазмун өзгөргөндөй кылып өзгөртүлгөн: {what}.",
		"kk": "Осы қолтаңбадан кейін құжат оқырман көретін мазмұн өзгеретіндей етіп өзгертілген: {what}."},
	"PDF_OBJECT_UNREADABLE": {"en": "An object of the file could not be read: {error}.",
		"ru": "Не удалось прочитать объект файла: {error}.",
		"ky": "Файлдын объектисин окуу мүмкүн болгон жок: {error}.",
		"kk": "Файлдың объектісін оқу мүмкін болмады: {error}."},
	"PDF_COVERS_WHOLE": {"en": "The signature covers the whole document.",
		"ru": "Подпись охватывает весь документ.",
		"ky": "Кол тамга документти толугу менен камтыйт.",
		"kk": "Қолтаңба құжатты толығымен қамтиды."},
	"PDF_NOT_WHOLE_DOCUMENT": {"en": "The signature covers revision {revision} of {revisions}; later revisions were added after signing.",
		"ru": "Подпись охватывает редакцию {revision} из {revisions}; последующие редакции добавлены после подписания.",
		"ky": "Кол тамга {revisions} редакциянын {revision}-редакциясын камтыйт; кийинки редакциялар кол коюлгандан кийин кошулган.",
		"kk": "Қолтаңба {revisions} редакцияның {revision}-редакциясын қамтиды; кейінгі редакциялар қол қойылғаннан кейін қосылған."},

	// Certification (DocMDP), field locks and overlays (issue #4, certification task).
	"PDF_CERTIFIED": {"en": "This is a certification signature (DocMDP level {level}): 1 permits no changes, 2 filling in form fields and signing, 3 also annotations.",
		"ru": "Это удостоверяющая подпись (DocMDP, уровень {level}): 1 — изменения запрещены, 2 — заполнение полей формы и подписание, 3 — также примечания.",
		"ky": "Бул күбөлөндүрүүчү кол тамга (DocMDP, {level}-деңгээл): 1 — өзгөртүүгө тыюу салынат, 2 — форманын талааларын толтуруу жана кол коюу, 3 — эскертмелер да.",
		"kk": "Бұл куәландырушы қолтаңба (DocMDP, {level}-деңгей): 1 — өзгертуге тыйым салынады, 2 — форма өрістерін толтыру және қол қою, 3 — ескертпелер де."},
	"PDF_CERTIFICATION_INVALID": {"en": "The document's certification is not valid: {error}. Ask the sender for the document as certified.",
		"ru": "Удостоверение документа недействительно: {error}. Запросите у отправителя документ в удостоверенном виде.",
		"ky": "Документтин күбөлөндүрүүсү жараксыз: {error}. Жөнөтүүчүдөн документти күбөлөндүрүлгөн түрүндө сураңыз.",
		"kk": "Құжаттың куәландыруы жарамсыз: {error}. Жіберушіден құжатты куәландырылған түрінде сұраңыз."},
	"PDF_ANNOTATION_ADDED": {"en": "An annotation (/{subtype}) was added on page {page} at {rect} after this signature. The certification permits annotations, but this one may cover or imitate signed content: compare the page with the signed revision.",
		"ru": "После этой подписи на странице {page} в области {rect} добавлено примечание (/{subtype}). Удостоверение разрешает примечания, но это примечание может закрывать или подделывать подписанное содержимое: сравните страницу с подписанной редакцией.",
		"ky": "Бул кол тамгадан кийин {page}-бетте {rect} аймагында эскертме (/{subtype}) кошулган. Күбөлөндүрүү эскертмелерге уруксат берет, бирок бул эскертме кол коюлган мазмунду жаап же туурап коюшу мүмкүн: бетти кол коюлган редакция менен салыштырыңыз.",
		"kk": "Осы қолтаңбадан кейін {page}-бетте {rect} аймағында ескертпе (/{subtype}) қосылған. Куәландыру ескертпелерге рұқсат береді, бірақ бұл ескертпе қол қойылған мазмұнды жауып немесе жасанды етіп көрсетуі мүмкін: бетті қол қойылған редакциямен салыстырыңыз."},
	"PDF_SIGNATURE_FIELD_ADDED": {"en": "A visible signature field {field} was added on page {page} at {rect} after this signature. It was not in the signed revision, so its appearance may cover signed content: compare the page with the signed revision.",
		"ru": "После этой подписи на странице {page} в области {rect} добавлено видимое поле подписи {field}. Его не было в подписанной редакции, поэтому его изображение может закрывать подписанное содержимое: сравните страницу с подписанной редакцией.",
		"ky": "Бул кол тамгадан кийин {page}-бетте {rect} аймагында көрүнүүчү {field} кол тамга талаасы кошулган. Ал кол коюлган редакцияда болгон эмес, ошондуктан анын сүрөтү кол коюлган мазмунду жаап коюшу мүмкүн: бетти кол коюлган редакция менен салыштырыңыз.",
		"kk": "Осы қолтаңбадан кейін {page}-бетте {rect} аймағында көрінетін {field} қолтаңба өрісі қосылған. Ол қол қойылған редакцияда болмаған, сондықтан оның бейнесі қол қойылған мазмұнды жауып тастауы мүмкін: бетті қол қойылған редакциямен салыстырыңыз."},
	"PDF_XREF_AMBIGUOUS": {"en": "The signed revision's cross-reference data is ambiguous ({what}): other PDF readers may show a different version of an object than the one checked here. Compare the document with its sender's copy.",
		"ru": "Таблица перекрёстных ссылок подписанной редакции неоднозначна ({what}): другие программы просмотра PDF могут показать иную версию объекта, чем проверенная здесь. Сравните документ с экземпляром отправителя.",
		"ky": "Кол коюлган редакциянын кайчылаш шилтемелер таблицасы бир маанилүү эмес ({what}): башка PDF программалары бул жерде текшерилгенден башка объекттин версиясын көрсөтүшү мүмкүн. Документти жөнөтүүчүнүн нускасы менен салыштырыңыз.",
		"kk": "Қол қойылған редакцияның айқас сілтемелер кестесі бірмәнді емес ({what}): басқа PDF бағдарламалары мұнда тексерілгеннен басқа нысан нұсқасын көрсетуі мүмкін. Құжатты жіберушінің данасымен салыстырыңыз."},
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
