; Inno Setup script: the duty console for one street sub-centre on Windows.
; Needs Inno Setup 6.3 or newer (ArchitecturesAllowed=x64compatible came with 6.3.0; checked below).
; Built on Windows after a Windows PyInstaller build (packaging\pingshan-console.spec makes two
; programs there: pingshan-console.exe, windowed, for the operator; pingshan-console-cli.exe, with
; a console, for --version, --self-check and the headless commands) and the notices
; (python packaging\licenses.py --bundle dist\pingshan-console --dists build\bundled-distributions.txt):
;
;   iscc /DStreet=maluan /DStreetTitle=马峦街道分中心 /DAppVersion=0.1.0 packaging\windows\pingshan-console.iss
;
; (AppVersion: `python -c "from console.version import version; print(version())"`.)
; The street's profile is baked in (resources\profiles\default_profile, and install_mode =
; production: without a gateway the console says 未配置网关); both are removed on uninstall.
; After installing, the setup runs the self-check and says so when it fails (its exit code).
; Not run in the project's CI (no Windows there): see docs/deploy.md.

#if VER < EncodeVer(6,3,0)
  #error This script needs Inno Setup 6.3.0 or newer (x64compatible)
#endif

#ifndef Street
  #define Street "maluan"
#endif
#ifndef StreetTitle
  #define StreetTitle "马峦街道分中心"
#endif
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef InstallMode
  #define InstallMode "production"
#endif
#define AppName "坪山值班台 · " + StreetTitle
#define BundleDir "..\..\dist\pingshan-console"

[Setup]
AppId={{6F1D2C3A-8B7E-4C55-9A10-PINGSHAN-{#Street}}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
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
SetupIconFile=pingshan-console.ico
UninstallDisplayIcon={app}\pingshan-console.exe
; The licence page: the third-party notices (Qt/PySide6 LGPLv3 with the source offer, Chromium,
; FFmpeg LGPL, Python PSF, every bundled package), written into the bundle before this script runs.
LicenseFile={#BundleDir}\THIRD-PARTY-NOTICES.txt

[Languages]
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Files]
; One folder, as built: QtWebEngine's resources and helper process must stay next to the libraries.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "pingshan-console.ico"; DestDir: "{app}"

[UninstallDelete]
; Written by the setup, not copied from the bundle: Inno's uninstaller would leave them behind.
Type: files; Name: "{app}\_internal\resources\profiles\default_profile"
Type: files; Name: "{app}\_internal\resources\profiles\install_mode"
Type: files; Name: "{app}\VERSION"
Type: dirifempty; Name: "{app}\_internal\resources\profiles"
Type: dirifempty; Name: "{app}\_internal\resources"
Type: dirifempty; Name: "{app}\_internal"
Type: dirifempty; Name: "{app}"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\pingshan-console.exe"; Parameters: "--profile {#Street}"; IconFilename: "{app}\pingshan-console.ico"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\pingshan-console.exe"; Parameters: "--profile {#Street}"; IconFilename: "{app}\pingshan-console.ico"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
Filename: "{app}\pingshan-console.exe"; Parameters: "--profile {#Street}"; Description: "启动 {#AppName}"; Flags: postinstall nowait skipifsilent; Check: SelfCheckPassed

[Code]
var
  SelfCheckOk: Boolean;

function SelfCheckPassed: Boolean;
begin
  Result := SelfCheckOk;
end;

procedure CurStepChanged(CurStep: TSetupStep);
var
  ResultCode: Integer;
  Log: String;
begin
  if CurStep = ssPostInstall then
  begin
    SaveStringToFile(ExpandConstant('{app}\_internal\resources\profiles\default_profile'), '{#Street}' + #13#10, False);
    SaveStringToFile(ExpandConstant('{app}\_internal\resources\profiles\install_mode'), '{#InstallMode}' + #13#10, False);
    SaveStringToFile(ExpandConstant('{app}\VERSION'), '{#AppVersion}' + #13#10, False);
    WizardForm.StatusLabel.Caption := '正在自检…';
    Log := ExpandConstant('{app}\self-check.txt');
    { The console program: its output goes to a file the technician can open. }
    if Exec(ExpandConstant('{cmd}'), '/C ""' + ExpandConstant('{app}\pingshan-console-cli.exe') + '" --self-check > "' + Log + '" 2>&1"',
            '', SW_HIDE, ewWaitUntilTerminated, ResultCode) and (ResultCode = 0) then
      SelfCheckOk := True
    else
    begin
      SelfCheckOk := False;
      SuppressibleMsgBox('安装完成，但自检未通过（退出码 ' + IntToStr(ResultCode) + '）。' + #13#10 +
                         '详情见 ' + Log + #13#10 + '请联系区指挥中心技术值班。', mbError, MB_OK, IDOK);
    end;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    DeleteFile(ExpandConstant('{app}\self-check.txt'));
end;
