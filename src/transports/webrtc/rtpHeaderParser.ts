import { RtpHeader, RtpPacket } from "werift";

/** RFC 8285 profile of one-byte header extensions. */
const ONE_BYTE_PROFILE = 0xbede;

/** werift's own `RtpHeader.deSerialize`, as it was before {@link installRtpHeaderParser}. @internal */
export const weriftRtpHeaderDeSerialize: (raw: Buffer) => RtpHeader =
  RtpHeader.deSerialize.bind(RtpHeader);

type HeaderFields = {
  -readonly [K in keyof RtpHeader]: RtpHeader[K];
};

/**
 * Parses an RTP header (RFC 3550; one-byte header extensions of RFC 8285) into a werift
 * `RtpHeader`, field for field what werift 0.24's `RtpHeader.deSerialize` returns for a well-formed
 * packet, without the strings and arrays its bit reader makes for every header byte (about 2 µs
 * and a few KB of garbage per packet, twice per packet received). Other extension profiles go to
 * `fallback` (werift's own parser): browsers and werift send one-byte extensions.
 *
 * Unlike werift's parser it refuses a header whose extension block runs past the end of the
 * packet: werift walks such a block to its declared end, copying its list of extensions at every
 * step, which for one packet declaring 65,535 words takes tens of seconds of the event loop, and
 * it does so before the packet is authenticated.
 *
 * @throws RangeError when the packet ends inside the header or its extension block.
 * @internal
 */
export function parseRtpHeader(raw: Buffer, fallback: (raw: Buffer) => RtpHeader): RtpHeader {
  const first = raw.readUInt8(0);
  const csrcCount = first & 0x0f;
  const extension = (first & 0x10) !== 0;
  let offset = 12 + csrcCount * 4;
  let profile = ONE_BYTE_PROFILE;
  if (extension) {
    profile = raw.readUInt16BE(offset);
    if (profile !== ONE_BYTE_PROFILE) return fallback(raw);
  }
  const second = raw.readUInt8(1);
  const h = Object.create(RtpHeader.prototype) as HeaderFields;
  // The fields in the order of werift's class, so every header has one hidden class.
  h.version = first >> 6;
  h.padding = (first & 0x20) !== 0;
  h.paddingSize = 0;
  h.extension = extension;
  h.marker = (second & 0x80) !== 0;
  h.payloadOffset = 0;
  h.payloadType = second & 0x7f;
  h.sequenceNumber = raw.readUInt16BE(2);
  h.timestamp = raw.readUInt32BE(4);
  h.ssrc = raw.readUInt32BE(8);
  h.csrcLength = csrcCount;
  h.csrc = [];
  for (let i = 0; i < csrcCount; i++) h.csrc.push(raw.readUInt32BE(12 + i * 4));
  h.extensionProfile = profile as RtpHeader["extensionProfile"];
  h.extensionLength = undefined;
  h.extensions = [];
  if (extension) {
    const length = raw.readUInt16BE(offset + 2) * 4;
    h.extensionLength = length;
    offset += 4;
    const end = offset + length;
    if (end > raw.length) {
      throw new RangeError(
        `RTP header extension of ${length} bytes runs past the end of a ${raw.length}-byte packet`,
      );
    }
    while (offset < end) {
      const byte = raw[offset] as number;
      if (byte === 0) {
        offset++;
        continue;
      }
      const id = byte >> 4;
      const size = (byte & 0x0f) + 1;
      offset++;
      if (id === 0x0f) break;
      h.extensions.push({ id, payload: raw.subarray(offset, offset + size) });
      offset += size;
    }
  }
  h.payloadOffset = offset;
  if (h.padding) h.paddingSize = raw[raw.length - 1] as number;
  return h as RtpHeader;
}

/**
 * A copy of a werift `RtpPacket` (header fields copied, CSRC and extension lists and payload
 * shared), what werift's `RtpPacket.clone` makes, without running the header's constructor.
 * @internal
 */
export function cloneRtpPacket(packet: RtpPacket): RtpPacket {
  const from = packet.header;
  const h = Object.create(RtpHeader.prototype) as HeaderFields;
  h.version = from.version;
  h.padding = from.padding;
  h.paddingSize = from.paddingSize;
  h.extension = from.extension;
  h.marker = from.marker;
  h.payloadOffset = from.payloadOffset;
  h.payloadType = from.payloadType;
  h.sequenceNumber = from.sequenceNumber;
  h.timestamp = from.timestamp;
  h.ssrc = from.ssrc;
  h.csrcLength = from.csrcLength;
  h.csrc = from.csrc;
  h.extensionProfile = from.extensionProfile;
  h.extensionLength = from.extensionLength;
  h.extensions = from.extensions;
  return new RtpPacket(h as RtpHeader, packet.payload);
}

let installed = false;

/**
 * Makes werift parse RTP headers with {@link parseRtpHeader} (process-wide, once; werift's SRTP
 * layer and its packet parser call `RtpHeader.deSerialize` for every packet received, twice) and
 * copy packets with {@link cloneRtpPacket} (its receiver copies every packet it delivers). Headers
 * the parser does not cover still go to werift's parser. Every peer of this library calls it.
 * @internal
 */
export function installRtpHeaderParser(): void {
  if (installed) return;
  installed = true;
  RtpHeader.deSerialize = (raw: Buffer) => parseRtpHeader(raw, weriftRtpHeaderDeSerialize);
  RtpPacket.prototype.clone = function clone(this: RtpPacket) {
    return cloneRtpPacket(this);
  };
}
