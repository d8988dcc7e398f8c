// Shared parts of the Fortinet drivers (fortigate, fortios), ports of Oxidized's models.

import type { Driver, ExpectHandler, TextRule } from './types.ts';
import { dropFirstLast, gsub, rb, rejectLines } from './helpers.ts';

export const FORTI_EXPECT: ExpectHandler[] = [
  { pattern: rb(String.raw`^\(Press\s'a'\sto\saccept\):`), send: 'a' },
  { pattern: rb(String.raw`^--More--\s$`), send: ' ' },
];

export const FORTI_CLEANUP: Driver['cleanup'] = [
  (cfg) => dropFirstLast(cfg.replace(/\r +\r/g, '').replaceAll('\r\n', '\n')),
];

export const FORTI_SECRETS: TextRule[] = [
  gsub(rb(String.raw`^(\#private-encryption-key=).+`), '$1 <configuration removed>'),
  gsub(rb(String.raw`(set .+ ENC) .+`), '$1 <configuration removed>'),
  gsub(rb(String.raw`(set .*secret) .+`), '$1 <configuration removed>'),
  gsub(rb(String.raw`(set (?:passwd|password|key|group-password|auth-password-l1|auth-password-l2|rsso|history0|history1)) .+`), '$1 <configuration removed>'),
  gsub(rb(String.raw`(set md5-key [0-9]+) .+`), '$1 <configuration removed>'),
  gsub(rb(String.raw`(set private-key ).*?-+END (ENCRYPTED|RSA|OPENSSH) PRIVATE KEY-+\n?"$`, 'm'), '$1<configuration removed>'),
  gsub(rb(String.raw`(set privatekey ).*?-+END (ENCRYPTED|RSA|OPENSSH) PRIVATE KEY-+\n?"$`, 'm'), '$1<configuration removed>'),
  gsub(rb(String.raw`(set ca )"-+BEGIN.*?-+END CERTIFICATE-+"$`, 'm'), '$1<configuration removed>'),
  gsub(rb(String.raw`(set csr ).*?-+END CERTIFICATE REQUEST-+"$`, 'm'), '$1<configuration removed>'),
];

export const FORTI_SIGNIFICANT_KEYS: TextRule[] = [
  (t) => rejectLines(t, rb(String.raw`^ +set \S+ ENC \S+$`)),
  gsub(rb(String.raw`set private-key .*?-+END \S+ PRIVATE KEY-+\n?"$`, 'm'), ''),
];

export const FORTI_LOGIN = { username: rb('^[lL]ogin:'), password: rb('^Password:') };
