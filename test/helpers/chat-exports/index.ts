// Test-side generators of chat exports (WhatsApp iOS/Android, Telegram Desktop JSON/HTML, DiscordChatExporter
// JSON) from one deterministic chat model, and bad input for error tests.
export { hugeLine, LEGACY_CHAT, latin1Chat, notAZip, utf16Chat, writeTruncated, zipBomb } from './bad.js';
export {
  type DiscordJsonOptions,
  discordExport,
  discordFileName,
  discordUserId,
  snowflake,
  writeDiscordJson,
} from './discord.js';
export {
  type ChatModel,
  type ExpectedSummary,
  expectedSummary,
  growChat,
  type MediaKind,
  type ModelMessage,
  makeChat,
  mediaBytes,
  mediaKind,
  type NoticeKind,
} from './model.js';
export {
  TELEGRAM_HTML_ASSETS,
  type TelegramChatType,
  type TelegramHtmlOptions,
  type TelegramJsonOptions,
  telegramHtmlPages,
  telegramResult,
  telegramUserId,
  writeTelegramHtml,
  writeTelegramJson,
} from './telegram.js';
export {
  androidMediaName,
  iosMediaName,
  LOCALES,
  type Locale,
  LRM,
  NNBSP,
  WHATSAPP_LOCALES,
  type WhatsAppAndroidOptions,
  type WhatsAppIosOptions,
  type WhatsAppLocale,
  whatsAppAndroidText,
  whatsAppIosText,
  writeWhatsAppAndroid,
  writeWhatsAppIos,
} from './whatsapp.js';
export { BOMB_UNCOMPRESSED, deflateZip } from './zip.js';
