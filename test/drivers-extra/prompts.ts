// Prompt strings (the last line the device shows) that each extra driver's prompt regex must
// accept (`pass`) or reject (`fail`): real prompt shapes from vendor documentation, and
// output lines that merely look like prompts.
export const PROMPTS: Record<string, { pass: string[]; fail: string[] }> = {
  iosxr: {
    pass: ['RP/0/RSP0/CPU0:pe1-lab#', 'RP/0/RP0/CPU0:ncs5501-a#', 'RP/0/0/CPU0:xrv9k#'],
    fail: ['RP/0/RSP0/CPU0:pe1-lab(config)#', 'Building configuration...', 'interface GigabitEthernet0/0/0/0'],
  },
  aireos: {
    pass: ['(Cisco Controller) >', '(WLC-LAB-01) >', '(Cisco Controller) > '],
    fail: ['(Cisco Controller)', 'User: ', 'Would you like to save them now? (y/N) '],
  },
  ciscosmb: {
    pass: ['sw-smb-lab#', 'sw-smb-lab>', '\rswitch6f2a41#', 'SG350X-48(config)#'],
    fail: ['User Name:', 'interface GigabitEthernet1', 'More: <space>,  Quit: q or CTRL+Z, One line: <return> '],
  },
  screenos: {
    pass: ['ssg5-lab-> ', 'ssg140-fw01->', 'isg1000(M)-> '],
    fail: ['ssg5-lab> ', 'set interface ethernet0/0 ip 198.51.100.2/24', 'login: '],
  },
  panos: {
    pass: ['netkeep@PA-VM-LAB> ', 'admin@PA-3220(active)> ', 'admin@panorama> '],
    fail: ['admin@PA-VM# ', 'hostname: PA-VM-LAB', '<config version="10.2.0">'],
  },
  gaiaos: {
    pass: ['gw-lab:0> ', '[Expert@gw-lab:0]# ', 'cp-mgmt> '],
    fail: ['# Exported by netkeep on Sat Nov 21 22:30:11 2026', 'set hostname gw-lab', 'Platform: Check Point 6200'],
  },
  procurve: {
    pass: ['sw-proc-lab# ', '\rHP-2530-24G# ', 'Core Switch 1# '],
    fail: ['sw-proc-lab#', 'Press any key to continue', 'sw-proc-lab(config)# '],
  },
  comware: {
    pass: ['<hp5130-lab>', '<H3C>', '\x00<HPE-5900 core>'],
    fail: ['[hp5130-lab]', ' sysname hp5130-lab', '  ---- More ----'],
  },
  vrp: {
    pass: ['<CE6800-LAB>', '<HUAWEI>', '<AR2220-branch.01>'],
    fail: ['[HUAWEI]', '[~HUAWEI-10GE1/0/1]', ' sysname CE6800-LAB'],
  },
  ftos: {
    pass: ['s4048-lab#', 'MXL-A1>', 'Force10-S60#'],
    fail: ['Login: ', '! Version 9.14(2.4)', 'interface Vlan 10'],
  },
  os10: {
    pass: ['os10-lab# ', 'OS10#', 'leaf1>'],
    fail: ['os10-lab login: ', '! Version 10.5.4.2', 'management route 0.0.0.0/0 192.0.2.1'],
  },
  xos: {
    pass: ["X460G2-lab.1 # ", "* X460G2-lab.6 # ", "Slot-1 Stack.3 # ", "X440G2-48p.2 > "],
    fail: ["X460G2-lab.1 #", "# Module vlan configuration.", "login: "],
  },
  voss: {
    pass: ["VSP-8284XSQ:1#", "VSP-4450GSX-PWR+:1>", "FE-5420:1#"],
    fail: ["VSP-8284XSQ:1# ", "# SYSTEM CONFIGURATION", "Login: "],
  },
  ironware: {
    pass: ["SSH@mlx-lab#", "telnet@CER2024C>", "SSH@MLXe-16#"],
    fail: ["mlx-lab#", "ver V5.9.0dT163", "Please Enter Login Name:"],
  },
  edgeos: {
    pass: ["netkeep@er-lab:~$ ", "ubnt@ubnt:~$ "],
    fail: ["netkeep@er-lab# ", "netkeep@er-lab:~$", "set system host-name er-lab"],
  },
  edgeswitch: {
    pass: ["(UBNT EdgeSwitch) #", "(UBNT EdgeSwitch) >", "(es-lab) #"],
    fail: ["UBNT EdgeSwitch #", "!Current Configuration:", "User:"],
  },
  sros: {
    pass: ["A:pe2-lab# ", "*A:pe2-lab# ", "B:sar-1>config>router# ", "*A:7210-sas>"],
    fail: ["pe2-lab# ", "    router Base", "[/]\nA:admin@pe2-lab# "],
  },
};
