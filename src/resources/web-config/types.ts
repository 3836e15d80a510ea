/** web.config appSettings on each server: the spec's entries, the live files, the change records. */

/** A plain string is the exact value; the list form edits a separated token list in place. */
export type AppSettingSpec =
  | string
  | {
      readonly include?: readonly string[];
      readonly exclude?: readonly string[];
      /** Defaults to `|`. */
      readonly separator?: string;
      /** Token names accepted although the tool does not know them as profile names. */
      readonly allowUnknown?: readonly string[];
    };

export interface WebConfigSpec {
  /** Relative to each server's ExchangeInstallPath, with `/` or `\` (after loading: `/` only, no `.` segments). */
  readonly file: string;
  /** `file` as the spec wrote it, for messages; set by the loader. */
  readonly fileAsWritten?: string;
  /** Narrows the spec's `servers` for this file. */
  readonly servers?: 'all' | readonly string[];
  readonly appSettings: Readonly<Record<string, AppSettingSpec>>;
}

export type FileRead =
  | { readonly exists: false }
  | {
      readonly exists: true;
      readonly bytes: Buffer;
      readonly sha256: string;
      /**
       * For a first original: the sha256 recorded beside it (`<file>.sha256`, written before it from the
       * bytes in memory), or null when there is none. A rollback restores nothing from an original whose
       * bytes do not hash to it.
       */
      readonly recordedSha256?: string | null;
    };

/** What a server's read asks for: its web.config files, and for a rollback their first originals too. */
export interface WebConfigQuery {
  /** Relative to ExchangeInstallPath, `/`-separated, as in the spec. */
  readonly files: readonly string[];
  readonly originals?: boolean;
}

/** What a server's read gives this kind. */
export interface WebConfigLive {
  /** Keyed by the relative path exactly as requested. */
  readonly files: Readonly<Record<string, FileRead>>;
  /** The first original of each file (`hybridcfg/original/<file>`), when asked for. */
  readonly originals?: Readonly<Record<string, FileRead>>;
}

/** One appSetting that changes in a file; `delete` (a rollback of a key hybridcfg added) removes its entry. */
export interface SettingEdit {
  readonly key: string;
  readonly action: 'create' | 'update' | 'delete';
  readonly before: string | null;
  /** null for `delete`. */
  readonly after: string | null;
}

/** The change record of a web.config file on one server (Change.data): what to check and redo at apply time. */
export interface WebConfigChangeData {
  readonly file: string;
  /** sha256 of the bytes the change was planned from: the target refuses to write over anything else. */
  readonly beforeSha256: string;
  /** sha256 of the bytes the change writes: apply refuses bytes that hash otherwise. */
  readonly afterSha256: string;
  /**
   * Where the new bytes come from at apply time: `edit` the settings applied to the file's current
   * bytes (a plan); `original` the spec's keys set back, on the file's current bytes, to their values in
   * the first original hybridcfg kept (`hybridcfg rollback`: nothing else in the file changes);
   * `preApply` the bytes read before this run changed the file (onFailure: rollback).
   */
  readonly source: 'edit' | 'original' | 'preApply';
  readonly settings: readonly SettingEdit[];
}

/** What the apply engine hands the target for one file. */
export interface WebConfigRequest {
  readonly file: string;
  readonly bytes: Buffer;
  /** sha256 of the bytes the change was planned from; the target refuses to write over anything else. */
  readonly expectedSha256: string;
}

export interface WebConfigResult {
  readonly file: string;
  /** Where the previous bytes were copied before the write (on the server). */
  readonly backupPath: string;
  /** sha256 of the backup's bytes (the file's bytes before the write). */
  readonly backupSha256?: string;
  /** The first original, when this write created it (with its recorded hash). */
  readonly originalSha256?: string;
  /** sha256 of the file as read back after the write. */
  readonly afterSha256?: string;
}
