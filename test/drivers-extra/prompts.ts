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
  saos: {
    pass: ["ciena-3930-lab*> ", "ciena-5160> ", "lab-39xx-01*>"],
    fail: ["! PORT CONFIG", "login: ", "port set port 1 description \"uplink-pe2\""],
  },
  awplus: {
    pass: ["awp-lab#", "awp-lab>", "x930-core.site1#", "AR4050S#"],
    fail: ["--More--", "awp-lab login: ", " vlan 10 name mgmt"],
  },
  zynos: {
    pass: ["GS2210-lab# ", "GS2210-lab>", "XGS4600-core#"],
    fail: ["  Building configuration...", "User name:", "GS2210-lab "],
  },
  netgear: {
    pass: ["(M4300-28G) #", "(M4300-28G) >", "(GS752TPv2) #"],
    fail: ["M4300-28G #", "!Current Configuration:", "Password:"],
  },
  tplink: {
    pass: ["T2600G-lab#", "T2600G-lab>", "\rTL-SG3428#"],
    fail: ["Press any key to continue (Q to quit)", "T2600G-lab", " System Name            - T2600G-lab"],
  },
  pfsense: {
    pass: ["netkeep@pf-lab$", "pf-lab#"],
    fail: ["<hostname>pf-lab</hostname>", "Enter an option: "],
  },
  sonicos: {
    pass: ["admin@C0EAE4000001> ", "admin@0017C5000001>", "admin@C0EAE4000001>(config) "],
    fail: ["admin@C0EAE4000001# ", "firmware-version \"SonicOS 7.0.1-5145-R5175\"", "User:"],
  },
  tmos: {
    pass: ["[root@bigip-lab:Active:Standalone] config # ", "admin@(bigip-lab)(cfg-sync Standalone)(Active)(/Common)(tmos)# "],
    fail: ["ltm pool /Common/web_pool {", "    address 192.0.2.31"],
  },
  mlnxos: {
    pass: ["onyx-lab [standalone: master] > ", "onyx-lab [standalone: master] # ", "sw1 [mlag-vip: standby] # "],
    fail: ["onyx-lab > ", "## Running database \"initial\"", "onyx-lab [standalone: master] #"],
  },
  netscaler: {
    pass: ["> ", "adc-lab> "],
    fail: [" Done", "set ns hostName adc-lab", "Password:"],
  },
  fabricos: {
    pass: ["g620-lab:admin> ", "sw1:FID128:admin> "],
    fail: ["g620-lab:admin>", "SwitchName = g620-lab", "boot.ipa:192.0.2.36"],
  },
  nos: {
    pass: ["vdx-lab# ", "VDX6740-1# ", "\u001b[?7hvdx-lab# "],
    fail: ["vdx-lab#", "vdx-lab(config)# ", "vdx-lab login: "],
  },
  dlink: {
    pass: ["DGS-3120-24TC:admin#", "DGS-3120-24TC:admin# ", "DES-3200-28:4#", "\rDGS-1210-28/ME:admin#"],
    fail: ["Command: show switch", "#-------------------------------------------------------------------", "UserName:"],
  },
  enterasys: {
    pass: ["B3(su)->", "C5(su)-> ", "core-7100(su)->"],
    fail: ["B3(rw)->", "set system name \"b3-lab\"", "(su)->"],
  },
  opengear: {
    pass: ["root@og-lab:~# ", "netkeep@og-lab:~$ "],
    fail: ["config.system.name og-lab", "# OpenGear/CM71xx Version 4.12.1"],
  },
  airos: {
    pass: ["XW.v6.3.11# ", "LBE-5AC-Gen2.v8.7.11# "],
    fail: ["netconf.1.ip=192.0.2.42", "XW.v6.3.11#"],
  },
  ucs: {
    pass: ["ucs-fi-a# ", "UCS-FI-A#", "ucs-fi-a# "],
    fail: ["ucs-fi-a> ", "  scope org /", "login: "],
  },
  hirschmann: {
    pass: ["(Hirschmann RSP) #", "(Hirschmann RSP) >", "(GRS1042 core) #"],
    fail: ["--More-- or (q)uit", "system name RSP-lab", "User:"],
  },
  enterprisesonic: {
    pass: ["sonic-lab# ", "sonic#", "admin@sonic-lab:~$ "],
    fail: ["sonic-lab(config)# ", "Software Version  : 4.1.1-Enterprise_Base", "sonic login: "],
  },
  powerconnect: {
    pass: ["pc6248-lab#", "pc6248-lab>", "N3024 core sw#", "console(config)#"],
    fail: ["Password:", "!Current Configuration:", "--More-- or (q)uit"],
  },
  slxos: {
    pass: ["SLX-lab# ", "SLX#", "SLX(config)# "],
    fail: ["SLX-OS Operating System Version: 20.4.3", "             ^", "SLX login: "],
  },
  aos: {
    pass: ["os6450-lab-> ", "->", "OS6850-core->"],
    fail: ["Chassis 1", "  Model Name:                    OS6450-24,", "login : "],
  },
  boss: {
    pass: ["ERS-4850-lab#", "ERS-4850-lab>", "5928GTS-PWR+#"],
    fail: ["ERS-4850-lab# ", "Enter Ctrl-Y to begin.", "! *** CORE (Phase 1) ***"],
  },
};
