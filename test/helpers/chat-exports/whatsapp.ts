// WhatsApp exports, iOS and Android, in several locales.
//
// Where the localized strings come from (looked up in public parser projects; none is WhatsApp's own file):
// - Android file-name prefixes: mlomb/chat-analytics, pipeline/parse/parsers/WhatsApp.ts (FilenamePatterns:
//   "WhatsApp Chat with ", "WhatsApp Chat mit ", "Chat de WhatsApp con ", "Conversa do WhatsApp com ",
//   "Discussion WhatsApp avec ", "Chat WhatsApp con ", "Чат WhatsApp с "). nl "WhatsApp-chat met " is NOT
//   verified (no source found); iOS "WhatsApp Chat - " is verified for English only and assumed for the rest.
// - Android "<Media omitted>" strings: chat-analytics WhatsApp.ts Patterns (de "<Medien ausgeschlossen>",
//   es "<Multimedia omitido>", fr "<médias omis>", it "<media omessi>", nl "<media weggelaten>",
//   ru "<без медиафайлов>"; capitalisation from fixtures in other projects: "<Médias omis>", "<Media omessi>",
//   "<Media weggelaten>", "<Без медиафайлов>"); pt-BR "<Mídia oculta>" from several pt-BR projects' fixtures.
// - Android "(file attached)" and iOS "<attached: …>" words: a Dart parser's WhatsAppPatterns
//   (message_parser.dart: "collected from WhatsApp strings.xml key email_file_attached" and "Localizable.strings
//   key zQ+5d"), cross-checked with fixtures ("(Datei angehängt)", "(archivo adjunto)", "(arquivo anexado)",
//   "(fichier joint)", "(file allegato)", "(bestand bijgevoegd)", "(файл добавлен)"; "<bijgevoegd: …>",
//   "<Anhang: …>", "<adjunto: …>", "<прикреплено: …>").
// - End-to-end-encryption notice: the same Dart file (key settings_security_info / _i3PG); the Android
//   " Tap to learn more." suffix is verified for en, de ("Tippe, um mehr zu erfahren."), fr ("Appuyez pour en
//   savoir plus.") only, so the other locales get no suffix.
// - Date layouts: de "16.01.21, 23:09 - " (fixture), ru "22.03.2024, 14:36 - " and iOS "[22.03.24, 14:35:12]"
//   (fixture), fr/pt "12/03/2026 10:02 - " without a comma (fixtures), it "01/01/26, 08:00 - " (fixture),
//   es "1/4/2026, 12:19 - " (fixture), nl iOS "[02-05-2022 16:21:32]" (fixture), en-US Android
//   "9/25/26, 2:22\u202fPM - " (fixture). nl Android and es/it/pt/fr iOS layouts are assumptions.
// - Group notices ("created group", "added", "joined using this group's invite link"): en/de/es/fr/ru "created
//   group" wording seen in fixtures; the rest are best-effort translations, NOT verified.
// - iOS "image omitted"-style lines (media not attached): en/es from chat-analytics; de "… weggelassen",
//   it "immagine omessa"/"video omesso", fr "image absente"/"vidéo absente" from fixtures; others unverified.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type ChatModel,
  type MediaKind,
  type ModelMessage,
  mediaBytes,
  mediaKind,
  pad2,
  wallClock,
} from './model.js';
import { deflateZip } from './zip.js';

export type Locale = 'en' | 'de' | 'es' | 'pt' | 'fr' | 'it' | 'nl' | 'ru';
export const LOCALES: Locale[] = ['en', 'de', 'es', 'pt', 'fr', 'it', 'nl', 'ru'];

export interface WhatsAppLocale {
  /** "WhatsApp Chat - " + NAME (+ ".zip" or the folder name). */
  iosPrefix: string;
  /** "WhatsApp Chat with " + NAME + ".txt" / ".zip". */
  androidPrefix: string;
  /** The first line's notice, without Android's "Tap to learn more." */
  encryption: string;
  /** Appended (after a space) on Android, where known. */
  tapToLearnMore: string;
  /** Android, exported without media. */
  mediaOmitted: string;
  /** Android, exported with media: "IMG-….jpg (file attached)". */
  fileAttached: string;
  /** iOS: "<attached: 00000001-PHOTO-….jpg>". */
  iosAttached: string;
  /** iOS, exported without media. */
  iosOmitted: Record<MediaKind, string>;
  createdGroup: (actor: string, title: string) => string;
  added: (actor: string, target: string) => string;
  joinedByLink: (actor: string) => string;
}

export const WHATSAPP_LOCALES: Record<Locale, WhatsAppLocale> = {
  en: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'WhatsApp Chat with ',
    encryption:
      'Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.',
    tapToLearnMore: 'Tap to learn more.',
    mediaOmitted: '<Media omitted>',
    fileAttached: '(file attached)',
    iosAttached: 'attached',
    iosOmitted: {
      photo: 'image omitted',
      video: 'video omitted',
      voice: 'audio omitted',
      document: 'document omitted',
    },
    createdGroup: (a, t) => `${a} created group "${t}"`,
    added: (a, b) => `${a} added ${b}`,
    joinedByLink: (a) => `${a} joined using this group's invite link`,
  },
  de: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'WhatsApp Chat mit ',
    encryption:
      'Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp.',
    tapToLearnMore: 'Tippe, um mehr zu erfahren.',
    mediaOmitted: '<Medien ausgeschlossen>',
    fileAttached: '(Datei angehängt)',
    iosAttached: 'Anhang',
    iosOmitted: {
      photo: 'Bild weggelassen',
      video: 'Video weggelassen',
      voice: 'Audio weggelassen',
      document: 'Dokument weggelassen',
    },
    createdGroup: (a, t) => `${a} hat die Gruppe „${t}“ erstellt`,
    added: (a, b) => `${a} hat ${b} hinzugefügt`,
    joinedByLink: (a) => `${a} ist über den Einladungslink dieser Gruppe beigetreten`,
  },
  es: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'Chat de WhatsApp con ',
    encryption:
      'Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat, ni siquiera WhatsApp, puede leerlos ni escucharlos.',
    tapToLearnMore: '',
    mediaOmitted: '<Multimedia omitido>',
    fileAttached: '(archivo adjunto)',
    iosAttached: 'adjunto',
    iosOmitted: {
      photo: 'imagen omitida',
      video: 'video omitido',
      voice: 'audio omitido',
      document: 'documento omitido',
    },
    createdGroup: (a, t) => `${a} creó el grupo "${t}"`,
    added: (a, b) => `${a} añadió a ${b}`,
    joinedByLink: (a) => `${a} se unió usando el enlace de invitación de este grupo`,
  },
  pt: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'Conversa do WhatsApp com ',
    encryption:
      'As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta e ficam somente entre você e os participantes desta conversa. Nem mesmo o WhatsApp pode ler ou ouvi-las.',
    tapToLearnMore: '',
    mediaOmitted: '<Mídia oculta>',
    fileAttached: '(arquivo anexado)',
    iosAttached: 'anexado',
    iosOmitted: {
      photo: 'imagem ocultada',
      video: 'vídeo omitido',
      voice: 'áudio ocultado',
      document: 'documento omitido',
    },
    createdGroup: (a, t) => `${a} criou o grupo "${t}"`,
    added: (a, b) => `${a} adicionou ${b}`,
    joinedByLink: (a) => `${a} entrou usando o link de convite deste grupo`,
  },
  fr: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'Discussion WhatsApp avec ',
    encryption:
      'Les messages et les appels sont chiffrés de bout en bout. Aucun tiers, pas même WhatsApp, ne peut les lire ou les écouter.',
    tapToLearnMore: 'Appuyez pour en savoir plus.',
    mediaOmitted: '<Médias omis>',
    fileAttached: '(fichier joint)',
    iosAttached: 'pièce jointe',
    iosOmitted: {
      photo: 'image absente',
      video: 'vidéo absente',
      voice: 'audio absent',
      document: 'document absent',
    },
    createdGroup: (a, t) => `${a} a créé le groupe « ${t} »`,
    added: (a, b) => `${a} a ajouté ${b}`,
    joinedByLink: (a) => `${a} a rejoint ce groupe via le lien d’invitation`,
  },
  it: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'Chat WhatsApp con ',
    encryption:
      'I messaggi e le chiamate sono crittografati end-to-end. Nessuno al di fuori di questa chat, nemmeno WhatsApp, può leggerne o ascoltarne il contenuto.',
    tapToLearnMore: '',
    mediaOmitted: '<Media omessi>',
    fileAttached: '(file allegato)',
    iosAttached: 'allegato',
    iosOmitted: {
      photo: 'immagine omessa',
      video: 'video omesso',
      voice: 'audio omesso',
      document: 'documento omesso',
    },
    createdGroup: (a, t) => `${a} ha creato il gruppo "${t}"`,
    added: (a, b) => `${a} ha aggiunto ${b}`,
    joinedByLink: (a) => `${a} si è unito tramite il link d'invito al gruppo`,
  },
  nl: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'WhatsApp-chat met ',
    encryption:
      'Berichten en gesprekken worden end-to-end versleuteld. Niemand buiten deze chat kan ze lezen of beluisteren, zelfs WhatsApp niet.',
    tapToLearnMore: '',
    mediaOmitted: '<Media weggelaten>',
    fileAttached: '(bestand bijgevoegd)',
    iosAttached: 'bijgevoegd',
    iosOmitted: {
      photo: 'afbeelding weggelaten',
      video: 'video weggelaten',
      voice: 'audio weggelaten',
      document: 'document weggelaten',
    },
    createdGroup: (a, t) => `${a} heeft groep '${t}' aangemaakt`,
    added: (a, b) => `${a} heeft ${b} toegevoegd`,
    joinedByLink: (a) => `${a} neemt deel via de uitnodigingslink van deze groep`,
  },
  ru: {
    iosPrefix: 'WhatsApp Chat - ',
    androidPrefix: 'Чат WhatsApp с ',
    encryption:
      'Сообщения и звонки защищены сквозным шифрованием. Третьи лица, включая WhatsApp, не могут прочитать ваши сообщения или прослушать звонки.',
    tapToLearnMore: '',
    mediaOmitted: '<Без медиафайлов>',
    fileAttached: '(файл добавлен)',
    iosAttached: 'прикреплено',
    iosOmitted: {
      photo: 'изображение отсутствует',
      video: 'видео отсутствует',
      voice: 'аудиофайл отсутствует',
      document: 'документ отсутствует',
    },
    createdGroup: (a, t) => `${a} создал(а) группу «${t}»`,
    added: (a, b) => `${a} добавил(а) ${b}`,
    joinedByLink: (a) => `${a} присоединился(-ась) к группе по ссылке-приглашению`,
  },
};

export const LRM = '\u200e';
export const NNBSP = '\u202f';

/** Android date layout per locale (day-first); en month-first is "M/D/YY". */
const ANDROID_DATE: Record<Locale, { sep: string; year: 2 | 4; pad: boolean; comma: boolean }> = {
  en: { sep: '/', year: 4, pad: true, comma: true },
  de: { sep: '.', year: 2, pad: true, comma: true },
  es: { sep: '/', year: 4, pad: false, comma: true },
  pt: { sep: '/', year: 4, pad: true, comma: false },
  fr: { sep: '/', year: 4, pad: true, comma: false },
  it: { sep: '/', year: 2, pad: true, comma: true },
  nl: { sep: '-', year: 4, pad: true, comma: false },
  ru: { sep: '.', year: 4, pad: true, comma: true },
};
const IOS_DATE: Record<Locale, { sep: string; year: 2 | 4; comma: boolean }> = {
  en: { sep: '/', year: 2, comma: true }, // en-US: month first, 12-hour (see iosStamp)
  de: { sep: '.', year: 2, comma: true },
  es: { sep: '/', year: 2, comma: true },
  pt: { sep: '/', year: 4, comma: false },
  fr: { sep: '/', year: 4, comma: false },
  it: { sep: '/', year: 2, comma: true },
  nl: { sep: '-', year: 4, comma: false },
  ru: { sep: '.', year: 2, comma: true },
};

function twelve(hour: number): { h: number; ampm: string } {
  return { h: hour % 12 === 0 ? 12 : hour % 12, ampm: hour < 12 ? 'AM' : 'PM' };
}

function iosStamp(time: Date, locale: Locale, offset: number): string {
  const w = wallClock(time, offset);
  if (locale === 'en') {
    const { h, ampm } = twelve(w.hour);
    return `[${w.month}/${w.day}/${pad2(w.year % 100)}, ${h}:${pad2(w.minute)}:${pad2(w.second)} ${ampm}]`;
  }
  const f = IOS_DATE[locale];
  const year = f.year === 2 ? pad2(w.year % 100) : String(w.year);
  const date = [pad2(w.day), pad2(w.month), year].join(f.sep);
  return `[${date}${f.comma ? ',' : ''} ${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}]`;
}

export interface AndroidClock {
  locale: Locale;
  clock: '12h' | '24h';
  dateOrder: 'dmy' | 'mdy';
  narrowSpace?: boolean;
}

function androidStamp(time: Date, c: AndroidClock, offset: number): string {
  const w = wallClock(time, offset);
  const f = ANDROID_DATE[c.locale];
  let date: string;
  if (c.dateOrder === 'mdy') {
    // en-US style: M/D/YY, no padding
    date = `${w.month}/${w.day}/${pad2(w.year % 100)}`;
  } else {
    const p = (n: number) => (f.pad ? pad2(n) : String(n));
    date = [p(w.day), p(w.month), f.year === 2 ? pad2(w.year % 100) : String(w.year)].join(f.sep);
  }
  const comma = c.dateOrder === 'mdy' || f.comma ? ',' : '';
  let clock: string;
  if (c.clock === '12h') {
    const { h, ampm } = twelve(w.hour);
    clock = `${h}:${pad2(w.minute)}${c.narrowSpace ? NNBSP : ' '}${ampm}`;
  } else {
    clock = `${pad2(w.hour)}:${pad2(w.minute)}`;
  }
  return `${date}${comma} ${clock}`;
}

function noticeText(m: ModelMessage, loc: WhatsAppLocale, title: string): string {
  const n = m.notice;
  if (!n) return m.text;
  if (n.kind === 'create_group') return loc.createdGroup(n.actor, title);
  if (n.kind === 'join_link') return loc.joinedByLink(n.actor);
  // WhatsApp's "pinned a message" wording is unverified in most locales: pins are written as "added" notices.
  return loc.added(n.actor, n.target ?? n.actor);
}

const IOS_TYPE: Record<MediaKind, string> = { photo: 'PHOTO', video: 'VIDEO', voice: 'AUDIO', document: '' };
const ANDROID_TYPE: Record<MediaKind, string> = { photo: 'IMG', video: 'VID', voice: 'PTT', document: 'DOC' };

function ext(fileName: string): string {
  return fileName.slice(fileName.lastIndexOf('.') + 1);
}

/** iOS name: 00000001-PHOTO-2022-12-31-11-40-26.jpg; documents keep their name: 00000004-report_0004.pdf. */
export function iosMediaName(index: number, m: ModelMessage, offset = 0): string {
  const media = m.media as { fileName: string };
  const kind = mediaKind(media.fileName);
  const n = String(index).padStart(8, '0');
  if (kind === 'document') return `${n}-${media.fileName}`;
  const w = wallClock(m.time, offset);
  const stamp = [w.year, pad2(w.month), pad2(w.day), pad2(w.hour), pad2(w.minute), pad2(w.second)].join('-');
  return `${n}-${IOS_TYPE[kind]}-${stamp}.${ext(media.fileName)}`;
}

/** Android name: IMG-20221231-WA0001.jpg, VID-…mp4, PTT-…opus, DOC-…pdf (one counter for the chat). */
export function androidMediaName(index: number, m: ModelMessage, offset = 0): string {
  const media = m.media as { fileName: string };
  const w = wallClock(m.time, offset);
  const day = `${w.year}${pad2(w.month)}${pad2(w.day)}`;
  return `${ANDROID_TYPE[mediaKind(media.fileName)]}-${day}-WA${String(index).padStart(4, '0')}.${ext(media.fileName)}`;
}

function lastTime(chat: ChatModel): Date {
  return chat.messages[chat.messages.length - 1]?.time ?? new Date(Date.UTC(2022, 0, 1));
}

export interface WhatsAppIosOptions {
  zip: boolean;
  fileName?: string;
  locale?: Locale;
  withMedia?: boolean;
  /** Minutes added to UTC for the wall-clock times written (default 0). */
  utcOffsetMinutes?: number;
}

/** The `_chat.txt` of an iOS export and the media files it names. Line ends are "\r\n" like iOS writes them. */
export function whatsAppIosText(
  chat: ChatModel,
  opts: { locale?: Locale; withMedia?: boolean; utcOffsetMinutes?: number } = {},
): { text: string; media: [string, Buffer][] } {
  const locale = opts.locale ?? 'en';
  const loc = WHATSAPP_LOCALES[locale];
  const withMedia = opts.withMedia ?? true;
  const offset = opts.utcOffsetMinutes ?? 0;
  const lines: string[] = [];
  const media: [string, Buffer][] = [];
  const first = chat.messages[0]?.time ?? new Date(Date.UTC(2022, 0, 1));
  // iOS names the chat as the "sender" of notices, and marks the notice with U+200E.
  lines.push(`${iosStamp(first, locale, offset)} ${chat.title}: ${LRM}${loc.encryption}`);
  let counter = 0;
  for (const m of chat.messages) {
    const stamp = iosStamp(m.time, locale, offset);
    if (m.system) {
      lines.push(`${stamp} ${chat.title}: ${LRM}${noticeText(m, loc, chat.title)}`);
    } else if (m.media) {
      counter++;
      const kind = mediaKind(m.media.fileName);
      if (withMedia) {
        const name = iosMediaName(counter, m, offset);
        media.push([name, mediaBytes(m.media.fileName, m.media.bytes)]);
        lines.push(`${LRM}${stamp} ${m.sender}: ${LRM}<${loc.iosAttached}: ${name}>`);
      } else {
        lines.push(`${LRM}${stamp} ${m.sender}: ${LRM}${loc.iosOmitted[kind]}`);
      }
    } else {
      lines.push(`${stamp} ${m.sender}: ${m.text.split('\n').join('\r\n')}`);
    }
  }
  return { text: `${lines.join('\r\n')}\r\n`, media };
}

/** iOS: "WhatsApp Chat - NAME.zip" holding `_chat.txt` first, then the media; or (zip:false) the unzipped
 * folder "WhatsApp Chat - NAME" with the same files. Returns the absolute path of the zip or folder. */
export async function writeWhatsAppIos(
  dir: string,
  chat: ChatModel,
  opts: WhatsAppIosOptions,
): Promise<string> {
  const locale = opts.locale ?? 'en';
  const { text, media } = whatsAppIosText(chat, opts);
  const base = opts.fileName ?? `${WHATSAPP_LOCALES[locale].iosPrefix}${chat.title}${opts.zip ? '.zip' : ''}`;
  const target = resolve(dir, base);
  const files: [string, Buffer][] = [['_chat.txt', Buffer.from(text, 'utf8')], ...media];
  if (opts.zip) {
    await mkdir(resolve(dir), { recursive: true });
    await writeFile(target, deflateZip(files, lastTime(chat)));
  } else {
    await mkdir(target, { recursive: true });
    for (const [name, data] of files) await writeFile(join(target, name), data);
  }
  return target;
}

export interface WhatsAppAndroidOptions extends AndroidClock {
  zip: boolean;
  withMedia?: boolean;
  fileName?: string;
  utcOffsetMinutes?: number;
}

/** The .txt of an Android export and the media files it names. Line ends are "\n". */
export function whatsAppAndroidText(
  chat: ChatModel,
  opts: AndroidClock & { withMedia?: boolean; utcOffsetMinutes?: number },
): { text: string; media: [string, Buffer][] } {
  const loc = WHATSAPP_LOCALES[opts.locale];
  const withMedia = opts.withMedia ?? false;
  const offset = opts.utcOffsetMinutes ?? 0;
  const lines: string[] = [];
  const media: [string, Buffer][] = [];
  const first = chat.messages[0]?.time ?? new Date(Date.UTC(2022, 0, 1));
  const notice = loc.tapToLearnMore ? `${loc.encryption} ${loc.tapToLearnMore}` : loc.encryption;
  lines.push(`${androidStamp(first, opts, offset)} - ${notice}`);
  let counter = 0;
  for (const m of chat.messages) {
    const stamp = androidStamp(m.time, opts, offset);
    if (m.system) {
      lines.push(`${stamp} - ${noticeText(m, loc, chat.title)}`);
    } else if (m.media) {
      counter++;
      if (withMedia) {
        const name = androidMediaName(counter, m, offset);
        media.push([name, mediaBytes(m.media.fileName, m.media.bytes)]);
        lines.push(`${stamp} - ${m.sender}: ${name} ${loc.fileAttached}`);
      } else {
        lines.push(`${stamp} - ${m.sender}: ${loc.mediaOmitted}`);
      }
    } else {
      lines.push(`${stamp} - ${m.sender}: ${m.text}`);
    }
  }
  return { text: `${lines.join('\n')}\n`, media };
}

/** Android: "WhatsApp Chat with NAME.txt" alone (zip:false; media lines say "<Media omitted>" unless withMedia)
 * or "WhatsApp Chat with NAME.zip" holding that .txt first, then the media (withMedia defaults to true there). */
export async function writeWhatsAppAndroid(
  dir: string,
  chat: ChatModel,
  opts: WhatsAppAndroidOptions,
): Promise<string> {
  const withMedia = opts.withMedia ?? opts.zip;
  const { text, media } = whatsAppAndroidText(chat, { ...opts, withMedia });
  const txtName = `${WHATSAPP_LOCALES[opts.locale].androidPrefix}${chat.title}.txt`;
  await mkdir(resolve(dir), { recursive: true });
  if (opts.zip) {
    const target = resolve(dir, opts.fileName ?? txtName.replace(/\.txt$/, '.zip'));
    await writeFile(target, deflateZip([[txtName, Buffer.from(text, 'utf8')], ...media], lastTime(chat)));
    return target;
  }
  const target = resolve(dir, opts.fileName ?? txtName);
  await writeFile(target, text, 'utf8');
  return target;
}
