; Inno Setup script: the duty console for one street sub-centre on Windows.
; Built where Windows and Inno Setup 6 are available, after a Windows PyInstaller build
; (packaging\pingshan-console.spec) into dist\pingshan-console:
;
;   iscc /DStreet=maluan /DStreetTitle=马峦街道分中心 packaging\windows\pingshan-console.iss
;
; The street's profile is baked in: resources\profiles\default_profile names it, and
; the shortcuts pass --profile.  After installing, the setup runs the self-check.

#ifndef Street
  #define Street "maluan"
#endif
#ifndef StreetTitle
  #define StreetTitle "马峦街道分中心"
#endif
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "坪山值班台 · " + StreetTitle
#define BundleDir "..\..\dist\pingshan-console"

[Setup]
AppId={{6F1D2C3A-8B7E-4C55-9A10-PINGSHAN-{#Street}}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=坪山区城市运行指挥中心
DefaultDirName={autopf}\PingshanConsole-{#Street}
DefaultGroupName=坪山值班台
OutputBaseFilename=pingshan-console-{#Street}-{#AppVersion}-setup
OutputDir=..\..\dist
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern

[Languages]
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Files]
; One folder, as built: QtWebEngine's resources and helper process must stay next to the libraries.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs


[Code]
procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
    SaveStringToFile(ExpandConstant('{app}\_internal\resources\profiles\default_profile'), '{#Street}' + #13#10, False);
end;

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\pingshan-console.exe"; Parameters: "--profile {#Street}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\pingshan-console.exe"; Parameters: "--profile {#Street}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
Filename: "{app}\pingshan-console.exe"; Parameters: "--self-check"; StatusMsg: "正在自检…"; Flags: runhidden waituntilterminated
Filename: "{app}\pingshan-console.exe"; Parameters: "--profile {#Street}"; Description: "启动 {#AppName}"; Flags: postinstall nowait skipifsilent
