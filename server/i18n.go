package server

// This file holds the page chrome's translations and the choice of
// language. The verification messages themselves are translated by
// verify.Message.Localize.

import (
	"strings"
)

// languages are the page languages, in the order the switch shows them.
var languages = []string{"ky", "ru", "kk", "en"}

// defaultLang is Kyrgyz, the state language, for browsers that ask for
// none of ours.
const defaultLang = "ky"

// ui is the page chrome, by key and then language. Every key has all four
// languages (TestCatalogueComplete).
var ui = map[string]map[string]string{
	"title":                {"ky": "Документтин аныктыгын текшерүү", "ru": "Проверка подлинности документа", "kk": "Құжаттың түпнұсқалығын тексеру", "en": "Document authenticity check"},
	"upload.heading":       {"ky": "Кол коюлган файлды текшерүү", "ru": "Проверить подписанный файл", "kk": "Қол қойылған файлды тексеру", "en": "Check a signed file"},
	"upload.file":          {"ky": "Кол коюлган PDF же кол тамга файлы (.pdf, .p7s, .p7m, .sig)", "ru": "Подписанный PDF или файл подписи (.pdf, .p7s, .p7m, .sig)", "kk": "Қол қойылған PDF немесе қолтаңба файлы (.pdf, .p7s, .p7m, .sig)", "en": "Signed PDF or signature file (.pdf, .p7s, .p7m, .sig)"},
	"upload.content":       {"ky": "Кол коюлган файл (өзүнчө кол тамга үчүн)", "ru": "Подписанный файл (для отсоединённой подписи)", "kk": "Қол қойылған файл (бөлек қолтаңба үшін)", "en": "Signed file (for a detached signature)"},
	"upload.submit":        {"ky": "Текшерүү", "ru": "Проверить", "kk": "Тексеру", "en": "Check"},
	"lookup.heading":       {"ky": "Номери жана коду боюнча текшерүү", "ru": "Проверить по номеру и коду", "kk": "Нөмірі мен коды бойынша тексеру", "en": "Check by number and code"},
	"lookup.number":        {"ky": "Документтин номери", "ru": "Номер документа", "kk": "Құжат нөмірі", "en": "Document number"},
	"lookup.code":          {"ky": "Текшерүү коду", "ru": "Код проверки", "kk": "Тексеру коды", "en": "Check code"},
	"verdict.valid":        {"ky": "ЖАРАКТУУ", "ru": "ДЕЙСТВИТЕЛЕН", "kk": "ЖАРАМДЫ", "en": "VALID"},
	"verdict.invalid":      {"ky": "ЖАРАКСЫЗ", "ru": "НЕДЕЙСТВИТЕЛЕН", "kk": "ЖАРАМСЫЗ", "en": "NOT VALID"},
	"verdict.unsure":       {"ky": "ТАСТЫКТАЛГАН ЖОК", "ru": "НЕ ПОДТВЕРЖДЁН", "kk": "РАСТАЛМАДЫ", "en": "NOT CONFIRMED"},
	"verdict.annulled":     {"ky": "ЖОККО ЧЫГАРЫЛГАН", "ru": "АННУЛИРОВАН", "kk": "ЖОЙЫЛҒАН", "en": "ANNULLED"},
	"signature":            {"ky": "Кол тамга", "ru": "Подпись", "kk": "Қолтаңба", "en": "Signature"},
	"signed.by":            {"ky": "Кол койгон", "ru": "Подписал", "kk": "Қол қойған", "en": "Signed by"},
	"signed.org":           {"ky": "Мекеме", "ru": "Организация", "kk": "Ұйым", "en": "Agency"},
	"signed.at":            {"ky": "Кол коюлган убакыт", "ru": "Время подписи", "kk": "Қол қойылған уақыт", "en": "Signed at"},
	"signed.at.ts":         {"ky": "(убакыт белгиси менен далилденген)", "ru": "(подтверждено меткой времени)", "kk": "(уақыт белгісімен расталған)", "en": "(proved by a time-stamp)"},
	"signed.at.claim":      {"ky": "(кол коюучу көрсөткөн, далилденген эмес)", "ru": "(указано подписантом, не подтверждено)", "kk": "(қол қоюшы көрсеткен, расталмаған)", "en": "(claimed by the signer, not proved)"},
	"issued.by":            {"ky": "Берген мекеме", "ru": "Выдал", "kk": "Берген мекеме", "en": "Issued by"},
	"doc.number":           {"ky": "Номери", "ru": "Номер", "kk": "Нөмірі", "en": "Number"},
	"doc.type":             {"ky": "Документтин түрү", "ru": "Вид документа", "kk": "Құжат түрі", "en": "Document type"},
	"doc.issued":           {"ky": "Берилген күнү", "ru": "Дата выдачи", "kk": "Берілген күні", "en": "Issue date"},
	"doc.expiry":           {"ky": "Жарактуу мөөнөтү", "ru": "Действителен до", "kk": "Жарамдылық мерзімі", "en": "Valid until"},
	"doc.holder":           {"ky": "Ээси", "ru": "Владелец", "kk": "Иесі", "en": "Holder"},
	"doc.reason":           {"ky": "Себеби", "ru": "Причина", "kk": "Себебі", "en": "Reason"},
	"lookup.issued":        {"ky": "Документ реестрде катталган жана жарактуу.", "ru": "Документ зарегистрирован в реестре и действителен.", "kk": "Құжат тізілімде тіркелген және жарамды.", "en": "The document is in the registry and valid."},
	"lookup.annulled":      {"ky": "Документ жокко чыгарылган.", "ru": "Документ аннулирован.", "kk": "Құжат жойылған.", "en": "The document has been annulled."},
	"lookup.unknown":       {"ky": "Мындай номер жана код менен документ табылган жок. Номерди жана кодду текшериңиз.", "ru": "Документ с таким номером и кодом не найден. Проверьте номер и код.", "kk": "Мұндай нөмір мен кодпен құжат табылмады. Нөмір мен кодты тексеріңіз.", "en": "No document with this number and code. Check the number and the code."},
	"seal.valid":           {"ky": "QR-коддогу мөөр аныктыгы тастыкталды жана документ реестрде жарактуу.", "ru": "Печать в QR-коде подлинная, документ действителен по реестру.", "kk": "QR-кодтағы мөр түпнұсқа, құжат тізілім бойынша жарамды.", "en": "The seal in the QR code is authentic and the registry lists the document as valid."},
	"seal.annulled":        {"ky": "Мөөр аныктыгы тастыкталды, бирок документ жокко чыгарылган.", "ru": "Печать подлинная, но документ аннулирован.", "kk": "Мөр түпнұсқа, бірақ құжат жойылған.", "en": "The seal is authentic, but the document has been annulled."},
	"seal.unregistered":    {"ky": "Мөөр аныктыгы тастыкталды, бирок документ реестрден табылган жок. Берген мекемеге кайрылыңыз.", "ru": "Печать подлинная, но документа нет в реестре. Обратитесь в выдавший орган.", "kk": "Мөр түпнұсқа, бірақ құжат тізілімде жоқ. Берген мекемеге хабарласыңыз.", "en": "The seal is authentic, but the document is not in the registry. Ask the issuing agency."},
	"seal.mismatch":        {"ky": "Мөөрдөгү маалымат реестрдеги жазууга дал келбейт.", "ru": "Данные печати не совпадают с записью реестра.", "kk": "Мөрдегі деректер тізілімдегі жазбаға сәйкес келмейді.", "en": "The seal's data does not match the registry's record."},
	"seal.expired":         {"ky": "Мөөр аныктыгы тастыкталды, бирок документтин мөөнөтү бүткөн.", "ru": "Печать подлинная, но срок действия документа истёк.", "kk": "Мөр түпнұсқа, бірақ құжаттың мерзімі өткен.", "en": "The seal is authentic, but the document has expired."},
	"seal.forged":          {"ky": "Мөөр жараксыз: QR-код өзгөртүлгөн же жасалма.", "ru": "Печать недействительна: QR-код изменён или подделан.", "kk": "Мөр жарамсыз: QR-код өзгертілген немесе жалған.", "en": "The seal is not valid: the QR code was altered or forged."},
	"seal.malformed":       {"ky": "Бул туура мөөр эмес: QR-код бузулган же башка документтики.", "ru": "Это не печать: QR-код повреждён или от другого документа.", "kk": "Бұл мөр емес: QR-код бүлінген немесе басқа құжаттікі.", "en": "This is not a valid seal: the QR code is damaged or from something else."},
	"seal.revoked":         {"ky": "Мөөрдүн ачкычы кайтарылып алынган: анын бардык мөөрлөрү жараксыз.", "ru": "Ключ печати отозван: все его печати недействительны.", "kk": "Мөр кілті кері қайтарылған: оның барлық мөрлері жарамсыз.", "en": "The seal key has been revoked: none of its seals is valid."},
	"seal.unknownkey":      {"ky": "Мөөр белгисиз ачкыч менен коюлган.", "ru": "Печать поставлена неизвестным ключом.", "kk": "Мөр белгісіз кілтпен қойылған.", "en": "The seal was made with a key that is not in the trust list."},
	"seal.keyperiod":       {"ky": "Мөөрдүн күнү анын ачкычынын жарактуу мөөнөтүнөн тышкары.", "ru": "Дата печати вне срока действия её ключа.", "kk": "Мөр күні оның кілтінің жарамдылық мерзімінен тыс.", "en": "The seal's date lies outside the validity of its key."},
	"seal.unavailable":     {"ky": "Мөөрдү азыр текшерүү мүмкүн эмес. Кийинчерээк аракет кылыңыз.", "ru": "Сейчас проверить печать невозможно. Попробуйте позже.", "kk": "Мөрді қазір тексеру мүмкін емес. Кейінірек қайталаңыз.", "en": "The seal cannot be checked right now. Try again later."},
	"err.too_large":        {"ky": "Файл өтө чоң.", "ru": "Файл слишком большой.", "kk": "Файл тым үлкен.", "en": "The file is too large."},
	"err.no_file":          {"ky": "Файл тандаңыз.", "ru": "Выберите файл.", "kk": "Файлды таңдаңыз.", "en": "Choose a file."},
	"err.bad_request":      {"ky": "Сурам туура эмес.", "ru": "Неверный запрос.", "kk": "Сұрау дұрыс емес.", "en": "The request is not valid."},
	"err.malformed":        {"ky": "Файл кол тамга эмес же бузулган.", "ru": "Файл не является подписью или повреждён.", "kk": "Файл қолтаңба емес немесе бүлінген.", "en": "The file is not a signature or is damaged."},
	"err.content_required": {"ky": "Кол тамга өзүнчө: кол коюлган файлды да жүктөңүз.", "ru": "Подпись отсоединённая: загрузите и подписанный файл.", "kk": "Қолтаңба бөлек: қол қойылған файлды да жүктеңіз.", "en": "The signature is detached: upload the signed file too."},
	"err.busy":             {"ky": "Сервер бош эмес. Бир аздан кийин кайталаңыз.", "ru": "Сервер занят. Повторите через минуту.", "kk": "Сервер бос емес. Біраздан кейін қайталаңыз.", "en": "The server is busy. Try again in a minute."},
	"err.rate_limited":     {"ky": "Сурамдар өтө көп. Бир аздан кийин кайталаңыз.", "ru": "Слишком много запросов. Повторите позже.", "kk": "Сұраулар тым көп. Кейінірек қайталаңыз.", "en": "Too many requests. Try again later."},
	"err.internal":         {"ky": "Ички ката. Кийинчерээк аракет кылыңыз.", "ru": "Внутренняя ошибка. Попробуйте позже.", "kk": "Ішкі қате. Кейінірек қайталаңыз.", "en": "Internal error. Try again later."},
	"err.not_found":        {"ky": "Бет табылган жок.", "ru": "Страница не найдена.", "kk": "Бет табылмады.", "en": "Page not found."},
	"back":                 {"ky": "Башкы бет", "ru": "На главную", "kk": "Басты бет", "en": "Home"},
}

// text returns the UI string key in lang, falling back to English and then
// to the key itself, so a missing string shows up rather than breaks a page.
func text(lang, key string) string {
	if s := ui[key][lang]; s != "" {
		return s
	}
	if s := ui[key]["en"]; s != "" {
		return s
	}
	return key
}

// pickLang chooses the page language: ?lang= if it is one of ours, else the
// first of ours in Accept-Language by quality, else defaultLang. The header
// is read only to a bounded length and number of entries.
func pickLang(query, acceptLanguage string) string {
	if supported(query) {
		return query
	}
	if len(acceptLanguage) > 512 {
		acceptLanguage = acceptLanguage[:512]
	}
	best, bestQ := "", 0.0
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= 32 {
			break
		}
		tag, q := parseLangRange(part)
		if q > bestQ && supported(tag) {
			best, bestQ = tag, q
		}
	}
	if best != "" {
		return best
	}
	return defaultLang
}

// parseLangRange reads one "ru-KG;q=0.8" entry: the primary tag in lower
// case and its quality (1 when not given, 0 when unreadable).
func parseLangRange(s string) (string, float64) {
	tag, params, _ := strings.Cut(strings.TrimSpace(s), ";")
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	q := 1.0
	if p := strings.TrimSpace(params); p != "" {
		v, ok := strings.CutPrefix(p, "q=")
		if !ok {
			return tag, 0
		}
		q = parseQ(v)
	}
	return tag, q
}

// parseQ reads an RFC 9110 qvalue: 0 to 1 with up to three decimals.
func parseQ(v string) float64 {
	if len(v) == 0 || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0
	}
	q := float64(v[0] - '0')
	if len(v) == 1 {
		return q
	}
	if v[1] != '.' {
		return 0
	}
	scale := 0.1
	for _, c := range v[2:] {
		if c < '0' || c > '9' {
			return 0
		}
		q += float64(c-'0') * scale
		scale /= 10
	}
	if q > 1 {
		return 0
	}
	return q
}

func supported(lang string) bool {
	for _, l := range languages {
		if l == lang {
			return true
		}
	}
	return false
}
